"""Blocking quick start: rotate an access key, upload two tenant tokens, create a
dynamic registration template.

Configuration comes from the environment: DESCOPE_PROJECT_ID, DESCOPE_MANAGEMENT_KEY
and (optionally) DESCOPE_BASE_URI. Run with `scripts/demo-python.sh` against the emulator.
"""

from __future__ import annotations

import os
import sys

import descope_mgmt as dm


def masked(secret: str) -> str:
    """Describes a secret without showing any of it."""
    return f"<{len(secret)} chars, not printed>"


def main() -> int:
    key_id = os.environ.get("DEMO_ACCESS_KEY_ID", "K2active")
    suffix = os.environ.get("DEMO_SUFFIX", str(os.getpid()))
    try:
        with dm.Client() as client:  # project id, key and base URL from the environment
            print(f"client: {client!r}")

            try:
                rotated = client.rotate_access_key(key_id)
            except dm.InterruptedAfterSend as e:
                # Ctrl-C after the request was sent: the call was allowed to finish, so a
                # rotation that happened is not lost. Keep its secret, then stop.
                if isinstance(e.result, dm.RotatedAccessKey):
                    print(f"interrupted; {e.result.key.id} was rotated: {masked(e.result.cleartext)}", file=sys.stderr)
                raise
            print(f"rotate_access_key: {rotated!r}")
            print(f"  new secret for {rotated.key.id} ({rotated.key.name}): {masked(rotated.cleartext)}")

            tokens: list[dm.TenantToken | dict[str, str]] = [
                dm.TenantToken(
                    "google-drive",
                    "T2acme",
                    refresh_token="1//0gDemoRefreshToken",
                    access_token="ya29.DemoAccessToken",
                    access_token_expiry=1767225600,
                    access_token_type="Bearer",
                    scopes=["https://www.googleapis.com/auth/drive.readonly"],
                ),
                # A dict works too, with snake_case or the wire's camelCase keys.
                {"appId": "slack", "tenantId": "T2globex", "accessToken": "xoxb-demo-token"},
            ]
            client.batch_upload_tenant_tokens(tokens)
            print(f"batch_upload_tenant_tokens: stored {len(tokens)} token(s) (all or nothing)")

            template = client.create_dcr_template(
                f"python-demo-{suffix}",
                description="Defaults for MCP clients, created by examples/python/demo.py",
                login_page_url="https://auth.example.com/login/mcp",
                session_settings=dm.SessionSettings(
                    enabled=True,
                    session_token_expiration=10,
                    session_token_expiration_unit="minutes",
                ),
                tags=["mcp", "demo"],
            )
            print(f"create_dcr_template: {template!r}")
    except dm.BatchRejectedError as e:
        print(f"nothing stored: {e}", file=sys.stderr)
        for failure in e.failures:
            print(f"  {failure.app_id}/{failure.tenant_id}: {failure.reason}", file=sys.stderr)
        return 1
    except dm.DescopeError as e:
        print(f"failed: {e} (code={e.code}, status={e.status})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
