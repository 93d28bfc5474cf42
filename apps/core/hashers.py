"""The password hasher: Argon2id at OWASP's minimum parameters.

Logging in took 2-4 s, nearly all of it one PBKDF2-SHA256 check at Django 5.2's 1,000,000
iterations (0.85-1.4 s on this 2-core machine under load; the rest of a login is ~80 ms).
Every hasher at OWASP's recommended strength costs about that much CPU time, except a
memory-hard one: Argon2id with 19 MiB, 2 passes and 1 lane (OWASP's first configuration)
checks in ~20 ms idle and ~70 ms under load, and costs a GPU attacker more per guess than
PBKDF2 does. (Django's own Argon2 defaults, 100 MiB and 8 lanes, take ~0.4 s here.)

Existing PBKDF2 hashes still verify and are re-hashed with Argon2id at the next login.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
