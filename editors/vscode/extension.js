// Starts `briefing lsp` for a folder that holds a briefing (book.toml) and
// connects it to the briefing's YAML notes and metadata, book.toml and
// source texts. Everything else is the server's.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("briefing").get("path") || "briefing";
  client = new LanguageClient(
    "briefing",
    "briefing",
    { command, args: ["lsp"] },
    {
      documentSelector: [
        { scheme: "file", pattern: "**/content/**/*.{yaml,yml,txt}" },
        { scheme: "file", pattern: "**/book.toml" },
      ],
      synchronize: {
        // Sources re-downloaded, notes changed by git: checked again.
        fileEvents: vscode.workspace.createFileSystemWatcher("**/{content/**,book.toml}"),
      },
    }
  );
  context.subscriptions.push(client);
  client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
