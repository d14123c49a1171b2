//! A Language Server Protocol client for `briefing lsp`, as an editor
//! drives it: requests and notifications over the server's stdin, messages
//! read from its stdout on a thread, and the diagnostics last published for
//! each document kept as the state an editor would show. Used by
//! tests/lsp.rs and benches/lsp_latency.rs.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub struct Client {
    pub child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: u64,
    /// The diagnostics last published for each URI: what the editor shows.
    shown: std::collections::HashMap<String, Vec<Value>>,
}

pub const DEADLINE: Duration = Duration::from_secs(60);

impl Client {
    pub fn start(root: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_briefing"))
            .arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start briefing lsp");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("a Content-Length header")];
                stdout.read_exact(&mut body).unwrap();
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            messages,
            next_id: 1,
            shown: Default::default(),
        };
        let uri = uri(root);
        let init = client.request(
            "initialize",
            json!({"processId": null, "rootUri": uri, "capabilities": {},
                   "workspaceFolders": [{"uri": uri, "name": "briefing"}]}),
        );
        assert!(
            init["result"]["capabilities"]["completionProvider"].is_object(),
            "{init}"
        );
        client.notify("initialized", json!({}));
        client
    }

    pub fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its response (other messages that
    /// arrive meanwhile are dropped).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait(&format!("the response to {method}"), |m| m["id"] == id)
    }

    /// The first message that `wanted` accepts (diagnostics published
    /// meanwhile are recorded as shown).
    pub fn wait(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let end = Instant::now() + DEADLINE;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            let Ok(m) = self.messages.recv_timeout(left) else {
                panic!(
                    "no {what} within {DEADLINE:?}; diagnostics shown: {:?}",
                    self.shown
                )
            };
            if m["method"] == "textDocument/publishDiagnostics" {
                let uri = m["params"]["uri"].as_str().unwrap().to_owned();
                let diags = m["params"]["diagnostics"].as_array().unwrap().clone();
                self.shown.insert(uri, diags);
            }
            if wanted(&m) {
                return m;
            }
        }
    }

    /// The diagnostics shown for `file`, once `wanted` accepts them.
    pub fn diagnostics(&mut self, file: &str, wanted: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        loop {
            let current = self
                .shown
                .iter()
                .find(|(u, d)| u.ends_with(file) && wanted(d));
            if let Some((_, d)) = current {
                return d.clone();
            }
            self.wait(&format!("diagnostics for {file}"), |m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"]
                        .as_str()
                        .is_some_and(|u| u.ends_with(file))
            });
        }
    }

    pub fn complete(&mut self, uri: &str, line: u32, character: u32) -> Vec<Value> {
        let r = self.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        );
        r["result"].as_array().cloned().unwrap_or_default()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn uri(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}
