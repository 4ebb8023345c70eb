"""The face step's progress: the citizen sees the check move on as the face is found and each action is seen."""
import os

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONFIG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")

from types import SimpleNamespace  # noqa: E402

from drivers.face.messages import ChallengeStep, Decision  # noqa: E402


class Translator:
    def gettext(self, text):
        return text


def face_check():
    from screens.face import FaceCheck

    preview = SimpleNamespace(prompt="", clear=lambda: None)
    screen = SimpleNamespace(prompt="", hint="", check_progress=0.0, preview=preview)
    verifier = SimpleNamespace(cancel=lambda: None)
    camera = SimpleNamespace(stop=lambda: None, release=lambda owner: None)
    decided = []
    check = FaceCheck(verifier, camera, screen, Translator(), lambda *a: decided.append(a))
    check._token = 1  # a check is running
    return check, screen, decided


def test_progress_moves_on_with_the_face_found_and_each_action_and_starts_over_on_retry():
    check, screen, _ = face_check()
    seen = []
    for result in (ChallengeStep("blink", False, 0, 2), ChallengeStep("blink", True, 0, 2),
                   ChallengeStep("open_mouth", False, 1, 2), ChallengeStep("open_mouth", True, 1, 2)):
        check._handle(result)
        seen.append(screen.check_progress)
    assert seen == sorted(seen) and 0 < seen[0] and seen[-1] < 1
    check._handle(Decision("retry", 0.5, True, "uncertain", 1))
    assert screen.check_progress == 0


def test_progress_is_full_at_the_decision():
    check, screen, decided = face_check()
    check._handle(ChallengeStep("blink", False, 0, 2))
    check._handle(Decision("accept", 0.2, True, "match", 0))
    assert screen.check_progress == 1 and decided == [(1, "accept", 0)]
