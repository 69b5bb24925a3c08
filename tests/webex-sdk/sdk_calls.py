"""The official Webex Python SDK (webexpythonsdk), unchanged, against a live Rolehub.

Run by .ci/webex-sdk against `rolehub serve` over the demo world, on SQLite and on PostgreSQL:

    python sdk_calls.py BASE_URL TOKEN

BASE_URL ends in `/v1/`; TOKEN is a personal access token (scope `write`) of a full administrator
of acme. Every call a Webex script makes for people, roles, licenses, organizations and the admin
audit log is made here through the SDK's own methods, and its result asserted; a refusal must
reach the script as the SDK's ApiError with the rule id in its message. Exits non-zero on the first
surprise.
"""

import base64
import sys
import uuid

from webexpythonsdk import ApiError, WebexAPI


def webex_id(kind, plain):
    """Webex's encoded form of an id: base64 of ciscospark://us/KIND/ID."""
    return base64.b64encode(f"ciscospark://us/{kind}/{plain}".encode()).decode().rstrip("=")


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print(f"ok  {what}")


def main(base_url, token):
    api = WebexAPI(access_token=token, base_url=base_url)

    # people: me, get, list with filters and every page
    me = api.people.me()
    check(me.orgId == "acme" and me.emails and me.created is not None, "people.me()")
    check(api.people.get(me.id).id == me.id, "people.get(id)")
    everyone = list(api.people.list(max=25))
    check(len(everyone) > 25, f"people.list() follows every page ({len(everyone)} people)")
    check(len({p.id for p in everyone}) == len(everyone), "people.list() pages do not overlap")
    check([p.id for p in api.people.list(email=me.emails[0])] == [me.id], "people.list(email=…)")
    first = everyone[0]
    named = list(api.people.list(displayName=first.displayName[:3]))
    check(any(p.id == first.id for p in named), "people.list(displayName=…)")
    check([p.id for p in api.people.list(id=first.id)] == [first.id], "people.list(id=…)")
    check(all(p.orgId == "acme" for p in api.people.list(orgId="acme", max=50)), "people.list(orgId=…)")

    # people: create (200, as Webex answers), update with roles and licenses, delete (204)
    email = f"sdk-{uuid.uuid4().hex[:10]}@acme.example"
    new = api.people.create(
        emails=[email], displayName="Sdk Person", firstName="Sdk", lastName="Person",
        orgId="acme", licenses=["calling"],
    )
    check(new.id and new.displayName == "Sdk Person" and new.licenses == ["calling"], "people.create(…)")
    check(new.created is not None, "a person's `created` parses as Webex's datetime")
    updated = api.people.update(
        new.id, displayName="Sdk Changed", firstName="Sdk", lastName="Changed",
        roles=[webex_id("ROLE", "id_readonly_admin"), "support_admin"],
        licenses=["calling", "meetings_host:acme.webex.com"],
    )
    check(sorted(updated.roles) == ["readonly_admin", "support_admin"], "people.update(roles=[…]) replaces the roles")
    check(sorted(updated.licenses) == ["calling", "meetings_host:acme.webex.com"], "people.update(licenses=[…])")
    updated = api.people.update(new.id, roles=["device_admin"])
    check(updated.roles == ["device_admin"], "people.update(roles=[…]) is a full replacement")
    try:
        api.people.update(new.id, roles=["full_admin", "cc_service_admin"])
        check(False, "a refused role change raises ApiError")
    except ApiError as error:
        check(error.status_code == 403 and "R-CCSA-1" in str(error), f"a refusal is ApiError with its rule id: {error}")
    check(api.people.get(new.id).roles == ["device_admin"], "a refused replacement changes nothing")
    updated = api.people.update(new.id, roles=[])
    check(updated.roles == [], "people.update(roles=[]) revokes every role")
    api.people.delete(new.id)
    try:
        api.people.get(new.id)
        check(False, "a deleted person is gone")
    except ApiError as error:
        check(error.status_code == 404, "people.delete(id), then get is 404")

    # roles
    roles = list(api.roles.list())
    check(any(r.id == "full_admin" and r.name == "Full administrator" for r in roles), "roles.list()")
    check(api.roles.get("full_admin").name == "Full administrator", "roles.get(id)")
    check(api.roles.get(webex_id("ROLE", "id_full_admin")).id == "full_admin", "roles.get(Webex's encoded id)")

    # licenses
    licenses = list(api.licenses.list(orgId="acme"))
    calling = [l for l in licenses if l.id == "calling"]
    check(calling and calling[0].totalUnits == 120, "licenses.list(orgId)")
    check(api.licenses.get("calling").consumedUnits == calling[0].consumedUnits, "licenses.get(id)")
    host = api.licenses.get(webex_id("LICENSE", "meetings_host:acme.webex.com"))
    check(host.siteUrl == "acme.webex.com", "licenses.get(encoded id) with siteUrl")
    # The SDK has no method for PATCH /licenses/users; scripts call it through the SDK's session.
    target = everyone[-1]
    answer = api._session.request(
        "PATCH", "licenses/users", 200,
        json={"personId": target.id, "orgId": "acme",
              "licenses": [{"id": "calling", "operation": "add", "properties": {"locationId": "amsterdam"}}],
              "siteUrls": [{"siteUrl": "acme.webex.com", "accountType": "host", "operation": "add"}]},
    ).json()
    check("calling" in answer["licenses"] and {"siteUrl": "acme.webex.com", "accountType": "host"} in answer["siteUrls"],
          "PATCH licenses/users in Webex's shapes")

    # organizations
    orgs = list(api.organizations.list())
    check(any(o.id == "acme" and o.displayName == "Acme BV" for o in orgs), "organizations.list()")
    check(api.organizations.get("acme").displayName == "Acme BV", "organizations.get(id)")
    check(api.organizations.get(webex_id("ORGANIZATION", "acme")).id == "acme", "organizations.get(encoded id)")

    # admin audit events: offset is always sent; every page followed
    events = list(api.admin_audit_events.list(
        "acme", "2000-01-01T00:00:00.000Z", "2100-01-01T00:00:00.000Z", max=5))
    check(len(events) > 5, f"admin_audit_events.list() follows every page ({len(events)} events)")
    check(len({e.id for e in events}) == len(events), "audit pages do not overlap")
    mine = [e for e in events if e.data.targetId == new.id and e.data.eventCategory == "ROLES"]
    check(mine and mine[0].data.actorEmail == me.emails[0] and mine[0].created is not None,
          "an audit event's data in Webex's shape")
    check(all(e.actorId == me.id for e in api.admin_audit_events.list(
        "acme", "2000-01-01T00:00:00.000Z", "2100-01-01T00:00:00.000Z", actorId=me.id)),
          "admin_audit_events.list(actorId=…)")
    categories = api._session.get("adminAudit/eventCategories")["eventCategories"]
    check("ROLES" in categories, "adminAudit/eventCategories")
    roles_only = list(api._session.get_items(
        "adminAudit/events",
        params={"orgId": "acme", "from": "2000-01-01T00:00:00.000Z", "to": "2100-01-01T00:00:00.000Z",
                "eventCategories": "ROLES", "max": 50, "offset": 0}))
    check(roles_only and all(e["data"]["eventCategory"] == "ROLES" for e in roles_only),
          "admin audit events filtered by eventCategories")
    print("the Webex SDK works against Rolehub")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
