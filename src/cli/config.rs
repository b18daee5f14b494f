//! `config`: the ledger's settings (configuration kept beside the history, never part of it).

use super::args::ConfigCommand;
use super::output::{print_json, table};
use super::{Ctx, Outcome, Shown};
use anyhow::{Context, Result};
use claimledger::ledger::settings::Setting;
use serde_json::{Value, json};

pub fn run(ctx: &Ctx, cmd: ConfigCommand) -> Result<Outcome> {
    let mut ledger = ctx.open()?;
    match cmd {
        ConfigCommand::Set { setting, value } => {
            let setting: Setting = setting.parse()?;
            ledger
                .set_setting(setting, Some(&value))
                .with_context(|| format!("setting {setting}"))?;
            if ctx.json {
                print_json(&json!({"key": setting.key(), "value": value}))?;
            } else {
                eprintln!("{setting} = {}", Shown(value));
            }
        }
        ConfigCommand::Unset { setting } => {
            let setting: Setting = setting.parse()?;
            ledger
                .set_setting(setting, None)
                .with_context(|| format!("unsetting {setting}"))?;
            if ctx.json {
                print_json(&json!({"key": setting.key(), "value": Value::Null}))?;
            } else {
                eprintln!("{setting} unset");
            }
        }
        ConfigCommand::Get { setting } => {
            let setting: Setting = setting.parse()?;
            let value = ledger.setting(setting)?;
            if ctx.json {
                print_json(&json!({"key": setting.key(), "value": value}))?;
            } else if let Some(v) = &value {
                out!("{}", Shown(v));
            } else {
                eprintln!(
                    "{setting} is not set\nhint: set it with 'claimledger config set {setting} VALUE'"
                );
            }
            if value.is_none() {
                return Ok(Outcome::VerificationFailed);
            }
        }
        ConfigCommand::List => {
            let all = ledger.settings()?;
            if ctx.json {
                let map: serde_json::Map<String, Value> = all
                    .iter()
                    .map(|(k, v)| (k.key().to_string(), json!(v)))
                    .collect();
                print_json(&Value::Object(map))?;
            } else if all.is_empty() {
                out!("(no settings)");
            } else {
                let rows: Vec<Vec<String>> = all
                    .iter()
                    .map(|(k, v)| vec![k.key().to_string(), v.clone()])
                    .collect();
                outp!("{}", table(&["key", "value"], &rows));
            }
        }
    }
    Ok(Outcome::Ok)
}
