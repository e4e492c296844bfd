//! The wake-up file descriptor a loop watches (`loop.add_reader`): an eventfd on Linux,
//! a socket pair elsewhere. Runtime threads make it readable without touching Python.

#[cfg(any(target_os = "linux", target_os = "android"))]
mod imp {
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    /// A non-blocking, close-on-exec eventfd.
    pub struct WakeFd(OwnedFd);

    impl WakeFd {
        pub fn new() -> io::Result<WakeFd> {
            // SAFETY: plain syscall; a non-negative return is a new fd that we own.
            let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: `fd` is a freshly created descriptor owned by nobody else.
            Ok(WakeFd(unsafe { OwnedFd::from_raw_fd(fd) }))
        }

        /// The descriptor the event loop watches for readability.
        pub fn fileno(&self) -> i64 {
            i64::from(self.0.as_raw_fd())
        }

        /// Makes the descriptor readable (async-signal-safe; no allocation, no GIL).
        pub fn notify(&self) {
            let one: u64 = 1;
            // SAFETY: writes 8 bytes from a valid u64 to an fd we own. A full counter
            // (EAGAIN) still leaves the fd readable, so the result can be ignored.
            unsafe { libc::write(self.0.as_raw_fd(), (&one as *const u64).cast(), 8) };
        }

        /// Makes the descriptor non-readable again.
        pub fn clear(&self) {
            let mut buf: u64 = 0;
            // SAFETY: reads at most 8 bytes into a valid u64; EAGAIN just means "not set".
            unsafe { libc::read(self.0.as_raw_fd(), (&mut buf as *mut u64).cast(), 8) };
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod imp {
    use std::io::{self, Read, Write};

    #[cfg(unix)]
    type Stream = std::os::unix::net::UnixStream;
    #[cfg(not(unix))]
    type Stream = std::net::TcpStream;

    /// A connected pair of non-blocking sockets: written by runtime threads, read by the
    /// event loop.
    pub struct WakeFd {
        read: Stream,
        write: Stream,
    }

    impl WakeFd {
        pub fn new() -> io::Result<WakeFd> {
            #[cfg(unix)]
            let (read, write) = Stream::pair()?;
            #[cfg(not(unix))]
            let (read, write) = {
                let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
                let write = Stream::connect(listener.local_addr()?)?;
                let (read, _) = listener.accept()?;
                write.set_nodelay(true)?;
                (read, write)
            };
            read.set_nonblocking(true)?;
            write.set_nonblocking(true)?;
            Ok(WakeFd { read, write })
        }

        /// The descriptor the event loop watches for readability.
        pub fn fileno(&self) -> i64 {
            #[cfg(unix)]
            {
                use std::os::fd::AsRawFd;
                i64::from(self.read.as_raw_fd())
            }
            #[cfg(windows)]
            {
                use std::os::windows::io::AsRawSocket;
                self.read.as_raw_socket() as i64
            }
        }

        /// Makes the descriptor readable.
        pub fn notify(&self) {
            let _ = (&self.write).write(&[1]);
        }

        /// Makes the descriptor non-readable again.
        pub fn clear(&self) {
            let mut buf = [0u8; 256];
            while let Ok(n) = (&self.read).read(&mut buf) {
                if n < buf.len() {
                    break;
                }
            }
        }
    }
}

pub use imp::WakeFd;
