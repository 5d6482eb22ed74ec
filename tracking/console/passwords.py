"""Password policy: long enough, not a well-known password, not the user's own email."""
import string

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
# argon2 takes any length; the cap only stops megabyte-sized form posts.
MAX_LENGTH = 1024

# Passwords (and the words behind them) that lead every leaked-password list. Length and the
# checks below catch the rest of the obvious ones; this list is the first line, not the whole wall.
COMMON = frozenset("""
password passw0rd p@ssword p@ssw0rd pass word qwerty qwertz azerty qwertyuiop asdfghjkl
zxcvbnm qazwsx qazwsxedc qazwsxedcrfv 1qaz2wsx 1qaz2wsx3edc zaq12wsx 1q2w3e4r 1q2w3e4r5t
1q2w3e4r5t6y q1w2e3r4t5 q1w2e3r4t5y6 123qwe 123qweasd 123qweasdzxc qwe123 qwer1234 12345qwert
qwert12345 abc abcd abcdef abcdefgh abcdefghij abc123 iloveyou letmein welcome admin
administrator root login changeme secret master dragon monkey football baseball basketball
soccer hockey princess sunshine shadow superman batman starwars trustno1 whatever freedom
michael jennifer jordan hunter ranger buster harley thomas charlie summer winter flower
computer internet hello hello123 mypassword yourpassword default guest test tester testing
user username tracking console merchant shop store
1234567890 0987654321 12345678910 123456789a 1234512345 123123123 1231231231 123123123123
1234554321 1122334455 1111111111 0000000000 9876543210 987654321 147258369 1470258369
""".split())


def password_problem(password: str, email: str | None = None):
    """None when `password` is acceptable, else the reason, translated (lazily) for the form."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(num)d characters.", num=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Use at most %(num)d characters.", num=MAX_LENGTH)
    folded = password.casefold()
    core = folded.strip(string.digits + string.punctuation + string.whitespace)
    if folded in COMMON or core in COMMON or len(set(folded)) < 4 or _is_run(folded):
        return _l("This password is too easy to guess. A few unrelated words make a strong one.")
    if email:
        local = email.casefold().split("@")[0]
        if folded == email.casefold() or (len(local) >= 4 and local in folded):
            return _l("The password must not contain your email address.")
    return None


def _is_run(text: str) -> bool:
    """abcdefghij, 9876543210: every character one step from the last."""
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:])}
    return len(steps) == 1 and steps <= {1, -1}
