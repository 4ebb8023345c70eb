"""The East-Asian LFW subset the face zones were set with: the listed people, their lowest-numbered photos, as links."""
import pytest

from benchmarks.lfw_subset import link_subset, people


def test_links_the_listed_people_lowest_numbered_first_and_leaves_others_out(tmp_path):
    man, woman = people("man")[0], people("woman")[0]
    lfw = tmp_path / "lfw"
    for name, count in ((man, 4), (woman, 2), ("Someone_Else", 3)):
        (lfw / name).mkdir(parents=True)
        for n in range(count, 0, -1):
            (lfw / name / f"{name}_{n:04d}.jpg").write_bytes(b"jpeg")
    linked, photos, missing = link_subset(lfw, tmp_path / "out", "man", per_person=3)
    assert (linked, photos) == (1, 3) and len(missing) == len(people("man")) - 1
    files = sorted((tmp_path / "out" / man).iterdir())
    assert [f.name for f in files] == [f"{man}_{n:04d}.jpg" for n in (1, 2, 3)]
    assert all(f.is_symlink() for f in files)
    assert not (tmp_path / "out" / woman).exists() and not (tmp_path / "out" / "Someone_Else").exists()
    assert set(people("all")) == set(people("man")) | set(people("woman"))


def test_refuses_to_put_the_photos_inside_the_repository(tmp_path):
    from benchmarks.lfw_subset import REPO

    with pytest.raises(ValueError, match="inside the repository"):
        link_subset(tmp_path, REPO / "faces")
