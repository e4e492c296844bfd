"""asyncio quick start: the same three calls with AsyncClient, the last two concurrently.

Configuration comes from the environment: DESCOPE_PROJECT_ID, DESCOPE_MANAGEMENT_KEY
and (optionally) DESCOPE_BASE_URI.
"""

from __future__ import annotations

import asyncio
import os
import sys

import descope_mgmt as dm


async def main() -> int:
    key_id = os.environ.get("DEMO_ACCESS_KEY_ID", "K2active")
    suffix = os.environ.get("DEMO_SUFFIX", str(os.getpid()))
    try:
        async with dm.AsyncClient() as client:
            rotated = await client.rotate_access_key(key_id)
            print(f"rotate_access_key: {rotated!r}")
            print(f"  new secret for {rotated.key.id}: <{len(rotated.cleartext)} chars, not printed>")

            upload = client.batch_upload_tenant_tokens(
                [
                    dm.TenantToken("google-drive", "T2acme", refresh_token="1//0gDemoRefreshToken"),
                    {"app_id": "slack", "tenant_id": "T2globex", "access_token": "xoxb-demo-token"},
                ]
            )
            create = client.create_dcr_template(
                f"python-async-demo-{suffix}",
                session_settings={"enabled": True, "refreshTokenExpiration": 4, "refreshTokenExpirationUnit": "weeks"},
                skip_consent_screen=True,
            )
            _, template = await asyncio.gather(upload, create)
            print("batch_upload_tenant_tokens: stored 2 token(s)")
            print(f"create_dcr_template: {template!r}")
    except dm.DescopeError as e:
        print(f"failed: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
