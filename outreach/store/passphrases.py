"""What a new passphrase must be: long enough and hard to guess (NIST SP 800-63B, 5.1.1.2).

Length counts, composition rules do not: a passphrase is refused when it is shorter than
``MIN_LENGTH`` or when the ``zxcvbn`` estimator (Dropbox's, kept on PyPI as ``zxcvbn``, pure
Python) rates it below ``MIN_SCORE``. zxcvbn matches against its lists of the most common
passwords, English words, names, keyboard patterns, repeats, sequences and dates, so
``password``, ``12345678``, ``aaaaaaaa`` and eight spaces are all refused. Text the person
chose for the store (account and site names) counts as known to an attacker.
"""

from __future__ import annotations

from collections.abc import Iterable

from outreach.errors import ValidationError

MIN_LENGTH = 8
MAX_LENGTH = 1024
# zxcvbn scores 0-4; 3 means "safely unguessable: moderate protection from offline
# slow-hash scenario" (about 10^8 guesses or more), which Argon2id at 64 MiB makes costly.
MIN_SCORE = 3
# zxcvbn's matching is quadratic in the length; what lies past this is extra strength.
ESTIMATE_CHARS = 100

ADVICE = (
    "choose several unrelated words you will remember, such as four words with spaces between them"
)


def passphrase_problem(passphrase: str, *, known: Iterable[str] = ()) -> str | None:
    """Why ``passphrase`` may not be used as a new passphrase, or None when it may.

    ``known`` lists words an attacker would try first (the account name, the site name).
    The sentence never repeats the passphrase.
    """
    if len(passphrase) < MIN_LENGTH:
        return f"at least {MIN_LENGTH} characters are needed; {ADVICE}"
    if len(passphrase) > MAX_LENGTH:
        return f"at most {MAX_LENGTH} characters"
    if not passphrase.strip():
        return f"a passphrase of only spaces is easy to guess; {ADVICE}"
    from zxcvbn import zxcvbn  # its word lists take a moment to load: only when needed

    result = zxcvbn(passphrase[:ESTIMATE_CHARS], user_inputs=[k for k in known if k])
    if int(result["score"]) >= MIN_SCORE:
        return None
    warning = str(result["feedback"].get("warning") or "").strip().rstrip(".")
    why = warning[:1].lower() + warning[1:] if warning else "this is easy to guess"
    return f"{why}; {ADVICE}"


def check_new_passphrase(passphrase: str, *, known: Iterable[str] = ()) -> None:
    """Raise ValidationError("passphrase", "...") when :func:`passphrase_problem` finds one."""
    problem = passphrase_problem(passphrase, known=known)
    if problem:
        raise ValidationError("passphrase", problem)
