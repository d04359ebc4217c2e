//! Typed IPC: encode a protocol request, `call`, decode the reply; and the
//! server side's receive-decode-reply loop pieces.

use crate::sys::{self, Error, Received, ReplyRecvError};
use ddk_abi::TaskId;
use ipc::{IpcError, Message, Protocol};

/// Why a typed call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RpcError {
    /// The kernel refused or the server died (`Error::Dead`).
    Sys(Error),
    /// Our request did not encode, or the reply did not decode.
    Ipc(IpcError),
}

impl From<Error> for RpcError {
    fn from(e: Error) -> Self {
        RpcError::Sys(e)
    }
}

impl From<IpcError> for RpcError {
    fn from(e: IpcError) -> Self {
        RpcError::Ipc(e)
    }
}

impl core::fmt::Display for RpcError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RpcError::Sys(e) => write!(f, "{e}"),
            RpcError::Ipc(e) => write!(f, "{e}"),
        }
    }
}

/// Sends `req` to `to` and decodes its reply.
pub fn call<P: Protocol>(to: TaskId, req: &P::Request) -> Result<P::Reply, RpcError> {
    let mut out = [0u8; ipc::MESSAGE_MAX];
    let mut back = [0u8; ipc::MESSAGE_MAX];
    let msg = ipc::encode(req, &mut out)?;
    let n = sys::call(to, msg, &mut back)?;
    Ok(ipc::decode(back.get(..n).unwrap_or(&[]))?)
}

/// [`call`] with a deadline ([`sys::call_timeout`]): `Timeout` if no reply
/// came within `timeout_ms`, `Busy` while `to` holds a call of ours that
/// timed out after delivery.
pub fn call_timeout<P: Protocol>(
    to: TaskId,
    req: &P::Request,
    timeout_ms: u64,
) -> Result<P::Reply, RpcError> {
    let mut out = [0u8; ipc::MESSAGE_MAX];
    let mut back = [0u8; ipc::MESSAGE_MAX];
    let msg = ipc::encode(req, &mut out)?;
    let n = sys::call_timeout(to, msg, &mut back, timeout_ms)?;
    Ok(ipc::decode(back.get(..n).unwrap_or(&[]))?)
}

/// Encodes and sends `reply` to the task waiting in `call`.
pub fn reply<M: Message>(to: TaskId, reply: &M) -> Result<(), RpcError> {
    let mut out = [0u8; ipc::MESSAGE_MAX];
    let msg = ipc::encode(reply, &mut out)?;
    Ok(sys::reply(to, msg)?)
}

/// Answers a request that could not be decoded with a rejection, so the
/// client gets `IpcError::Rejected` instead of waiting forever.
pub fn reject<P: Protocol>(to: TaskId, why: &IpcError) -> Result<(), RpcError> {
    let mut out = [0u8; ipc::MESSAGE_MAX];
    let msg = ipc::control::reject::<P>(why, &mut out)?;
    Ok(sys::reply(to, msg)?)
}

/// One event for a server loop.
pub enum Event<R> {
    /// A decoded request and who to answer.
    Request {
        from: TaskId,
        request: R,
    },
    Notification(u64),
}

/// Waits for the next request of protocol `P` (or a notification). Requests
/// that do not decode are rejected here and skipped: a malformed message
/// never reaches the server's logic, and the server keeps serving.
pub fn next<P: Protocol>(
    buf: &mut [u8],
    timeout_ms: Option<u64>,
) -> Result<Event<P::Request>, Error> {
    loop {
        match sys::recv(buf, timeout_ms)? {
            Received::Notification(bits) => return Ok(Event::Notification(bits)),
            Received::Message { from, len } => {
                match ipc::decode::<P::Request>(buf.get(..len).unwrap_or(&[])) {
                    Ok(request) => return Ok(Event::Request { from, request }),
                    Err(e) => {
                        crate::log!(
                            "rejected a malformed {} request from {}.{}: {e}",
                            P::NAME,
                            from.index(),
                            from.generation()
                        );
                        let _ = reject::<P>(from, &e);
                    }
                }
            }
        }
    }
}

/// A server loop's state: the reply to the request just handled waits here
/// and goes out with the next receive, in one `ReplyRecv` — one kernel
/// entry per request served (and, when the client is the only one waiting,
/// a direct switch back to it).
pub struct Server {
    pending: Option<(TaskId, usize)>,
    out: [u8; ipc::MESSAGE_MAX],
}

impl Default for Server {
    fn default() -> Self {
        Self::new()
    }
}

impl Server {
    pub const fn new() -> Self {
        Server {
            pending: None,
            out: [0; ipc::MESSAGE_MAX],
        }
    }

    /// Encodes `reply` for `to`; it is sent by the next [`Server::next`].
    /// A reply the kernel then refuses (the client died meanwhile) is
    /// logged there, and the server keeps serving.
    pub fn reply<M: Message>(&mut self, to: TaskId, reply: &M) -> Result<(), RpcError> {
        let n = ipc::encode(reply, &mut self.out)?.len();
        self.pending = Some((to, n));
        Ok(())
    }

    /// Like [`next`]: sends the pending reply, then waits for the next
    /// request of protocol `P` or a notification; undecodable requests are
    /// rejected (the rejection going out with the following receive).
    pub fn next<P: Protocol>(
        &mut self,
        buf: &mut [u8],
        timeout_ms: Option<u64>,
    ) -> Result<Event<P::Request>, Error> {
        loop {
            let got = match self.pending.take() {
                Some((to, n)) => {
                    let msg = self.out.get(..n).unwrap_or(&[]);
                    match sys::reply_recv(to, msg, buf, timeout_ms) {
                        Ok(r) => r,
                        Err(ReplyRecvError::Recv(e)) => return Err(e),
                        Err(ReplyRecvError::Reply(e)) => {
                            crate::log!("reply to {}.{} failed: {e}", to.index(), to.generation());
                            continue;
                        }
                    }
                }
                None => sys::recv(buf, timeout_ms)?,
            };
            match got {
                Received::Notification(bits) => return Ok(Event::Notification(bits)),
                Received::Message { from, len } => {
                    match ipc::decode::<P::Request>(buf.get(..len).unwrap_or(&[])) {
                        Ok(request) => return Ok(Event::Request { from, request }),
                        Err(e) => {
                            crate::log!(
                                "rejected a malformed {} request from {}.{}: {e}",
                                P::NAME,
                                from.index(),
                                from.generation()
                            );
                            if let Ok(m) = ipc::control::reject::<P>(&e, &mut self.out) {
                                self.pending = Some((from, m.len()));
                            }
                        }
                    }
                }
            }
        }
    }
}
