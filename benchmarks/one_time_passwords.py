"""Benchmark issuing one-time passwords for a unit: the hash they are stored with.

Issuing a district's imported cadres their first passwords hashes one password each. Side by
side in one run, for ``--accounts`` passwords (default 200): the fast salted hash one-time
passwords use (``User.set_one_time_password``, PBKDF2-SHA256, 1,000 rounds) against the
scrypt chosen passwords use (``User.set_password``), and checking one of each at login.

    .venv/bin/python benchmarks/one_time_passwords.py
    .venv/bin/python benchmarks/one_time_passwords.py --accounts 1000
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms.accounts.models import User
from lms.accounts.services import generate_temporary_password


def timed(setter, passwords) -> tuple[float, User]:
    started = time.perf_counter()
    for password in passwords:
        user = User(username="bench")
        setter(user, password)
    return time.perf_counter() - started, user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    args = parser.parse_args()
    passwords = [generate_temporary_password() for _ in range(args.accounts)]
    fast, one_time_user = timed(User.set_one_time_password, passwords)
    slow, chosen_user = timed(User.set_password, passwords)
    print(f"{args.accounts} one-time passwords (PBKDF2, 1,000 rounds): {fast:.2f} s")
    print(f"{args.accounts} passwords with scrypt (as chosen ones):   {slow:.2f} s")
    print(f"ratio scrypt / one-time: {slow / fast:.0f}x")
    for label, user in (("one-time", one_time_user), ("scrypt", chosen_user)):
        started = time.perf_counter()
        assert user.check_password(passwords[-1])
        print(
            f"checking a {label} password at login: {1000 * (time.perf_counter() - started):.1f} ms"
        )


if __name__ == "__main__":
    main()
