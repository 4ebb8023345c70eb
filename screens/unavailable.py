"""Shown after an unexpected error, until the shell has recovered by itself."""
from kivy.uix.screenmanager import Screen


class UnavailableScreen(Screen):
    """A friendly 'temporarily unavailable, please wait' page; no buttons, it goes away by itself."""
