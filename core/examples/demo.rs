//! Rotates an access key, uploads two tenant tokens and creates a DCR template against
//! the server named by `DESCOPE_BASE_URI` (e.g. the local emulator), printing each result.
//!
//! ```sh
//! DESCOPE_BASE_URI=http://127.0.0.1:4000 DESCOPE_PROJECT_ID=... DESCOPE_MANAGEMENT_KEY=... \
//!   cargo run -p descope-mgmt --example demo
//! ```

use descope_mgmt::{Client, NewDcrTemplate, SessionSettings, TenantToken};

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("demo failed: {e}");
        std::process::exit(1);
    }
}

async fn run() -> descope_mgmt::Result<()> {
    let client = Client::from_env()?;
    println!("[rust] client: {client:?}");

    let key_id = std::env::var("DEMO_ACCESS_KEY_ID").unwrap_or_else(|_| "K2active".into());
    let rotated = client.rotate_access_key(&key_id).await?;
    let secret = rotated.cleartext.expose();
    println!(
        "[rust] rotate_access_key({key_id}): key={} name={:?} status={} new secret of {} chars (not printed; store it now)",
        rotated.key.id,
        rotated.key.name,
        rotated.key.status,
        secret.len()
    );

    let tokens = vec![
        TenantToken {
            access_token_expiry: Some(1_767_225_600),
            access_token_type: Some("Bearer".into()),
            scopes: Some(vec!["https://www.googleapis.com/auth/drive.readonly".into()]),
            granted_by: Some("admin@example.com".into()),
            ..TenantToken::new("google-drive", "T2acme")
                .refresh_token("rt-demo")
                .access_token("at-demo")
        },
        TenantToken::new("google-drive", "T2globex").access_token("at-demo-2"),
    ];
    client.batch_upload_tenant_tokens(&tokens).await?;
    println!(
        "[rust] batch_upload_tenant_tokens: committed {} tokens",
        tokens.len()
    );

    let name = format!("MCP agents (rust demo {})", std::process::id());
    let template = NewDcrTemplate {
        description: Some("Defaults for MCP clients".into()),
        login_page_url: Some("https://auth.example.com/login/mcp".into()),
        session_settings: Some(SessionSettings {
            enabled: Some(true),
            session_token_expiration: Some(10),
            session_token_expiration_unit: Some("minutes".into()),
            refresh_token_expiration: Some(4),
            refresh_token_expiration_unit: Some("weeks".into()),
            ..Default::default()
        }),
        tags: Some(vec!["mcp".into()]),
        ..NewDcrTemplate::new(name)
    };
    let created = client.create_dcr_template(&template).await?;
    println!(
        "[rust] create_dcr_template: id={} version={} name={:?} created={}",
        created.id, created.version, created.name, created.created_time
    );
    Ok(())
}
