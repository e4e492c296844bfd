//! Cancelling a call in Rust is dropping its future. Dropped while
//! [`SendState::may_have_been_sent`] is false (here: during the license handshake), nothing
//! is sent, ever. Dropped after it turned true, a rotate may be applied all the same and its
//! new secret is lost: a caller that must not lose it uses `SendState` to decide and awaits
//! the call instead (what the Python and Node bindings do). Runs against the emulator on
//! 127.0.0.1.

mod support;

use std::time::Duration;

use descope_mgmt::bindings::SendState;
use descope_mgmt::ROTATE_PATH;
use serde_json::json;
use support::Emu;

fn rt() -> &'static tokio::runtime::Runtime {
    descope_mgmt::bindings::runtime::runtime()
}

/// Waits until `state` says the call's request may have been sent.
async fn sent(state: &SendState) {
    while !state.may_have_been_sent() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits until the emulator has received `n` rotates.
async fn arrived(emu: &Emu, n: usize) {
    while emu.count("POST", ROTATE_PATH).await < n {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[test]
fn dropping_a_rotate_before_it_may_have_been_sent_sends_nothing() {
    let emu = Emu::start();
    rt().block_on(async {
        emu.reset().await;
        let license = "/v1/mgmt/license";
        emu.fault(&json!({"method": "GET", "path": license, "action": "delay", "delayMs": 800}))
            .await;
        let client = emu.client();
        let state = SendState::new();
        tokio::select! {
            _ = state.track(client.rotate_access_key("K2active")) => panic!("finished too soon"),
            () = tokio::time::sleep(Duration::from_millis(200)) => {} // drops the rotate
        }
        assert!(!state.may_have_been_sent());
        tokio::time::sleep(Duration::from_millis(1_000)).await; // past the license delay
        assert_eq!(emu.count("POST", ROTATE_PATH).await, 0);
        assert!(emu.secret_valid("K2active", "seed-secret-K2active").await);
    });
}

#[test]
fn a_rotate_that_may_have_been_sent_is_awaited_not_dropped() {
    let emu = Emu::start();
    rt().block_on(async {
        emu.reset().await;
        let delay = json!({"method": "POST", "path": ROTATE_PATH, "action": "delay",
                           "delayMs": 500, "times": 2});
        emu.fault(&delay).await;
        let client = emu.client();

        // The caller wants to cancel once the request is out: `SendState` says it may have
        // been sent, so it awaits the call and keeps the new secret.
        let state = SendState::new();
        let call = state.track(client.rotate_access_key("K2active"));
        tokio::pin!(call);
        tokio::select! {
            _ = &mut call => panic!("finished too soon"),
            () = sent(&state) => {}
        }
        let rotated = call.await.expect("the rotate's outcome is delivered");
        assert!(
            emu.secret_valid("K2active", rotated.cleartext.expose())
                .await
        );

        // Dropping it instead, once the server has it, abandons an applied rotate: the new
        // secret is lost.
        let state = SendState::new();
        tokio::select! {
            _ = state.track(client.rotate_access_key("K2active2")) => panic!("finished too soon"),
            () = arrived(&emu, 2) => {} // drops the rotate
        }
        assert!(state.may_have_been_sent());
        let rotations = emu
            .admin(reqwest::Method::GET, "/emulator/accesskeys", None)
            .await["accessKeys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == "K2active2")
            .unwrap()["rotations"]
            .clone();
        assert_eq!(rotations, 1, "the dropped rotate was applied");
        assert!(!emu.secret_valid("K2active2", "seed-secret-K2active2").await);
    });
}
