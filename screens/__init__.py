"""The Kivy touchscreen shell: one module (and kv file) per screen, a shared style, the app."""
