"""scim2-tester (PyPI, the python-scim project's compliance checker) against Rolehub's SCIM server.

Run by .ci/scim against `rolehub serve` over the demo world, on SQLite and on PostgreSQL:

    python compliance.py BASE_URL TOKEN

BASE_URL is an org's SCIM root (`http://HOST/identity/scim/ORG/v2`); TOKEN a token of that org
with the `scim` scope. Every check runs; the run fails on any ERROR or CRITICAL result.

One adaptation, and only one: the checker fills `userName` with a random UUID, but a Rolehub
user's userName is their email address (as in Webex, where it must be the primary email). The
checker's value generator is wrapped so that `userName` gets a random, well-formed address; every
other value is the checker's own.
"""

import sys
import uuid

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient

import scim2_tester.filling as filling
import scim2_tester.checkers.patch_add as patch_add
import scim2_tester.checkers.patch_replace as patch_replace
from scim2_tester import Status, check_server

original = filling.generate_random_value


def generate_random_value(context, path, *args, **kwargs):
    value = original(context, path, *args, **kwargs)
    if value is not None and str(path).lower().endswith("username"):
        return f"{uuid.uuid4().hex[:12]}@scim-check.example"
    return value


filling.generate_random_value = generate_random_value
patch_add.generate_random_value = generate_random_value
patch_replace.generate_random_value = generate_random_value


def main(base_url, token):
    http = Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"})
    results = check_server(SyncSCIMClient(http))
    bad = []
    for r in results:
        line = f"{r.status.name:8} {r.resource_type or '-':6} {r.title}"
        if r.reason and r.status not in (Status.SUCCESS,):
            line += f": {r.reason}"
        print(line)
        if r.status in (Status.ERROR, Status.CRITICAL):
            bad.append(r)
    passed = sum(1 for r in results if r.status == Status.SUCCESS)
    print(f"{passed} checks passed, {len(bad)} failed, {len(results) - passed - len(bad)} skipped")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
