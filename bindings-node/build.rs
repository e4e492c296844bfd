//! Sets the linker flags a Node.js addon needs (undefined N-API symbols are resolved by
//! the Node.js process at load time).

fn main() {
    napi_build::setup();
}
