//! `madoguchi call simulate`: one phone call with text in place of audio,
//! against the real database and booking rules.
//!
//! Standard input, one line per caller turn: plain text is what the caller
//! said (as a recognizer would return it), `#dtmf 123` keypad digits,
//! `#silence` no answer, `#hangup` the end of the call. Standard output,
//! one line per agent turn, flushed each time; with `--json` each line is
//! a JSON object: `{"agent": "…"}`, `{"action": "transfer", "to": "…"}`,
//! and last `{"outcome": "…", "reservation_no": …, "venue": …, "start":
//! …, "party_size": …}`. A booking made here is real (channel phone)
//! unless `--dry-run` is given.

use anyhow::Context;
use madoguchi_calls::{Call, CallKind, CallOptions, CallerInput, Output, ScenarioChoice};
use madoguchi_core::Clock;
use madoguchi_store::Store;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[derive(clap::Subcommand)]
pub enum CallCommand {
    /// Run one call with text in place of audio (stdin: what the caller
    /// says, `#dtmf 123`, `#silence`, `#hangup`).
    Simulate {
        /// The caller's number as the network would give it, e.g. +819012345678.
        #[arg(long)]
        caller_id: Option<String>,
        /// One JSON object per line instead of a readable session.
        #[arg(long)]
        json: bool,
        /// Book, hold, change and cancel nothing.
        #[arg(long)]
        dry_run: bool,
        /// Use the draft scenario instead of the published one.
        #[arg(long)]
        draft: bool,
    },
    /// The dialog scenario (C2): show, save a draft, publish, roll back.
    Scenario {
        #[command(subcommand)]
        what: ScenarioCommand,
    },
    /// Recent calls with outcome, duration and turns, or one call's transcript.
    Log {
        /// Show this call's full transcript.
        #[arg(long)]
        id: Option<i64>,
        /// Export as JSON lines: one call per line with all its turns (C3).
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Subcommand)]
pub enum ScenarioCommand {
    /// Print the scenario as JSON (the draft with --draft; defaults if none).
    Show {
        #[arg(long)]
        draft: bool,
    },
    /// Check a JSON file and save it as the draft.
    Draft { file: std::path::PathBuf },
    /// Publish the draft: new calls use it.
    Publish,
    /// Publish an earlier version again (as a new version).
    Rollback { version: i64 },
    /// Every version, newest first.
    List,
}

pub async fn run(store: Store, clock: Arc<dyn Clock>, command: CallCommand) -> anyhow::Result<()> {
    let (caller_id, json, dry_run, draft) = match command {
        CallCommand::Simulate {
            caller_id,
            json,
            dry_run,
            draft,
        } => (caller_id, json, dry_run, draft),
        CallCommand::Scenario { what } => return scenario(&store, clock.as_ref(), what).await,
        CallCommand::Log { id, json: true } => return export(&store, id).await,
        CallCommand::Log { id, json: false } => return log(&store, id).await,
    };
    let mut call = Call::open(
        store,
        clock,
        CallOptions {
            kind: CallKind::Simulator,
            caller_id,
            dry_run,
            scenario: if draft {
                ScenarioChoice::Draft
            } else {
                ScenarioChoice::Published
            },
            reader: None,
        },
    )
    .await
    .context("starting the call")?;
    let mut out = tokio::io::stdout();
    if !json {
        let help = format!(
            "通話シミュレーター（通話番号 {}{}）。話す内容を1行ずつ入力してください。#dtmf 123 = ボタン、#silence = 無言、#hangup = 切る\n",
            call.id().0,
            if dry_run {
                "、ドライラン: 予約はしません"
            } else {
                ""
            }
        );
        out.write_all(help.as_bytes()).await?;
    }
    let outputs = call.start().await?;
    write(&mut out, &outputs, json).await?;
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while !call.is_ended() {
        if !json {
            out.write_all("> ".as_bytes()).await?;
            out.flush().await?;
        }
        let input = match lines.next_line().await? {
            // Input closed without #hangup: the line dropped.
            None => CallerInput::HangUp,
            Some(line) => match parse_line(&line) {
                Some(input) => input,
                None => continue,
            },
        };
        let outputs = call.input(input).await?;
        write(&mut out, &outputs, json).await?;
    }
    Ok(())
}

/// One line of standard input as the caller's turn; `None` for blank lines.
pub fn parse_line(line: &str) -> Option<CallerInput> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    if let Some(rest) = line.strip_prefix("#dtmf") {
        return Some(CallerInput::Dtmf(rest.trim().to_owned()));
    }
    match line {
        "#silence" => Some(CallerInput::Silence),
        "#hangup" => Some(CallerInput::HangUp),
        _ => Some(CallerInput::Said(line.to_owned())),
    }
}

async fn write(out: &mut tokio::io::Stdout, outputs: &[Output], json: bool) -> anyhow::Result<()> {
    // One agent line per turn: everything said in answer to one input.
    let said: Vec<&str> = outputs
        .iter()
        .filter_map(|o| match o {
            Output::Say(u) => Some(u.text.as_str()),
            _ => None,
        })
        .collect();
    let mut lines = Vec::new();
    if !said.is_empty() {
        let text = said.join("");
        lines.push(if json {
            serde_json::json!({ "agent": text }).to_string()
        } else {
            format!("窓口: {text}")
        });
    }
    for output in outputs {
        match output {
            Output::Say(_) => {}
            Output::Action(action) => lines.push(if json {
                serde_json::to_string(action)?
            } else {
                match action {
                    madoguchi_dialog::Action::Transfer { to } => format!("（転送: {to}）"),
                    madoguchi_dialog::Action::SmsLink { to } => {
                        format!("（予約ページの案内SMS: {to}）")
                    }
                    madoguchi_dialog::Action::ReleaseHold { hold_id } => {
                        format!("（仮押さえ解除: {hold_id}）")
                    }
                }
            }),
            Output::End(result) => lines.push(if json {
                serde_json::to_string(result)?
            } else {
                let mut text = format!("（通話終了: {}", result.outcome);
                if let Some(n) = &result.reservation_no {
                    text.push_str(&format!("、予約番号 {n}"));
                }
                if let (Some(v), Some(s)) = (&result.venue, &result.start) {
                    text.push_str(&format!("、{v} {s}"));
                }
                if let Some(p) = result.party_size {
                    text.push_str(&format!("、{p}名"));
                }
                text.push_str(&format!("、理由 {}）", result.reason));
                text
            }),
        }
    }
    for line in lines {
        out.write_all(line.as_bytes()).await?;
        out.write_all(b"\n").await?;
        out.flush().await?;
    }
    Ok(())
}

async fn scenario(
    store: &Store,
    clock: &dyn Clock,
    command: ScenarioCommand,
) -> anyhow::Result<()> {
    use madoguchi_dialog::Scenario;
    match command {
        ScenarioCommand::Show { draft } => {
            let stored = if draft {
                store.draft_scenario().await?
            } else {
                store.published_scenario().await?
            };
            let scenario = match stored {
                Some(v) => Scenario::from_json(&v.body)?,
                None => Scenario::default(),
            };
            println!("{}", scenario.to_json());
        }
        ScenarioCommand::Draft { file } => {
            let body = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let scenario = Scenario::from_json(&body)?;
            let id = store
                .save_scenario_draft(&scenario.to_json(), "", "cli", clock.now())
                .await?;
            println!("draft saved as version {id}");
        }
        ScenarioCommand::Publish => match store.publish_scenario_draft(clock.now()).await? {
            Some(id) => println!("version {id} published"),
            None => anyhow::bail!("there is no draft to publish"),
        },
        ScenarioCommand::Rollback { version } => {
            match store.rollback_scenario(version, "cli", clock.now()).await? {
                Some(id) => println!("version {version} published again as version {id}"),
                None => anyhow::bail!("no version {version}"),
            }
        }
        ScenarioCommand::List => {
            for v in store.scenario_versions().await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    v.id,
                    v.status,
                    v.created_at.to_rfc3339(),
                    v.note
                );
            }
        }
    }
    Ok(())
}

async fn log(store: &Store, id: Option<i64>) -> anyhow::Result<()> {
    match id {
        None => {
            for c in store.calls(50, 0).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}s\t{} turns\t{}",
                    c.id.0,
                    c.started_at
                        .with_timezone(&madoguchi_core::JST)
                        .to_rfc3339(),
                    c.kind,
                    c.outcome.as_deref().unwrap_or("-"),
                    c.duration_seconds().unwrap_or(0),
                    c.turns,
                    c.end_reason.as_deref().unwrap_or("-"),
                );
            }
        }
        Some(id) => {
            let call = madoguchi_store::CallId(id);
            for t in store.call_turns(call).await? {
                println!("[{} {}] 発信者: {}", t.seq, t.state, t.caller_input);
                println!("    理解: {}", t.understood);
                for line in t.prompt_text.lines() {
                    println!("    窓口: {line}");
                }
            }
        }
    }
    Ok(())
}

/// Calls with their turns as JSON lines (one call, or the latest 1000).
async fn export(store: &Store, id: Option<i64>) -> anyhow::Result<()> {
    let calls = match id {
        Some(id) => store
            .find_call(madoguchi_store::CallId(id))
            .await?
            .into_iter()
            .collect(),
        None => store.calls(1000, 0).await?,
    };
    for call in calls {
        let turns = store.call_turns(call.id).await?;
        println!("{}", serde_json::json!({ "call": call, "turns": turns }));
    }
    Ok(())
}
