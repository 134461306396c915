//! Call logs, scenario versions, venue aliases and recognition corrections.

use crate::fixtures::{now, venue};
use crate::harness::TestDb;
use chrono::Duration;
use madoguchi_store::{CallEnd, CallTurn, NewCall};

on_both_backends! {
    #[tokio::test]
    a_call_keeps_its_turns_in_order_and_ends_once,
    a_draft_is_published_and_an_earlier_version_restored_as_a_new_one,
    aliases_and_corrections_are_kept_once_each,
}

async fn a_call_keeps_its_turns_in_order_and_ends_once(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let call = store
        .start_call(
            &NewCall {
                kind: "simulator".into(),
                caller_id: Some("+819012345678".into()),
                scenario_version: None,
                dry_run: false,
            },
            now(),
        )
        .await?;
    for seq in 1..=3 {
        store
            .record_turn(
                call,
                &CallTurn {
                    seq,
                    at: now() + Duration::seconds(seq * 10),
                    state: format!("s{seq}"),
                    prompt_id: "ask_venue".into(),
                    prompt_text: "ご希望の会場をお話しください。".into(),
                    caller_input: format!("入力{seq}"),
                    understood: String::new(),
                    outcome: String::new(),
                },
            )
            .await?;
    }
    let end = |reason: &str| CallEnd {
        outcome: "abandoned".into(),
        end_state: "venue".into(),
        end_reason: reason.into(),
        reservation_no: None,
    };
    store
        .end_call(call, &end("hangup"), now() + Duration::seconds(45))
        .await?;
    store
        .end_call(call, &end("silence"), now() + Duration::seconds(99))
        .await?;
    let summary = store.find_call(call).await?.expect("the call");
    assert_eq!(summary.turns, 3);
    assert_eq!(summary.end_reason.as_deref(), Some("hangup"));
    assert_eq!(summary.duration_seconds(), Some(45));
    let turns = store.call_turns(call).await?;
    let inputs: Vec<&str> = turns.iter().map(|t| t.caller_input.as_str()).collect();
    assert_eq!(inputs, ["入力1", "入力2", "入力3"]);
    assert_eq!(store.calls(10, 0).await?.len(), 1);
    let counts = store.call_counts(now(), now() + Duration::days(1)).await?;
    assert_eq!(counts.len(), 1);
    assert_eq!(
        (
            counts[0].outcome.as_str(),
            counts[0].end_reason.as_str(),
            counts[0].calls
        ),
        ("abandoned", "hangup", 1)
    );
    assert!((counts[0].average_seconds - 45.0).abs() < 0.01);
    // A turn's recording (issue 6, C7) is kept with the call and goes with it.
    store.save_call_audio(call, 2, b"RIFF-wav").await?;
    store.save_call_audio(call, 2, b"RIFF-wav2").await?;
    assert_eq!(store.call_audio_turns(call).await?, [2]);
    assert_eq!(
        store.call_audio(call, 2).await?.as_deref(),
        Some(&b"RIFF-wav2"[..])
    );
    assert_eq!(store.call_audio(call, 1).await?, None);
    assert_eq!(store.purge_calls_before(now()).await?, 0);
    assert_eq!(
        store
            .purge_calls_before(now() + Duration::seconds(1))
            .await?,
        1
    );
    assert!(store.call_turns(call).await?.is_empty());
    assert!(store.call_audio_turns(call).await?.is_empty());
    assert!(store.find_call(call).await?.is_none());
    Ok(())
}

async fn a_draft_is_published_and_an_earlier_version_restored_as_a_new_one(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    assert!(store.published_scenario().await?.is_none());
    assert!(store.publish_scenario_draft(now()).await?.is_none());
    let v1 = store
        .save_scenario_draft(r#"{"max_failures": 3}"#, "first", "tanaka", now())
        .await?;
    // Saving again edits the same draft.
    assert_eq!(
        store
            .save_scenario_draft(r#"{"max_failures": 2}"#, "first", "tanaka", now())
            .await?,
        v1
    );
    assert_eq!(store.publish_scenario_draft(now()).await?, Some(v1));
    assert!(store.draft_scenario().await?.is_none());
    let v2 = store
        .save_scenario_draft(r#"{"max_failures": 4}"#, "second", "suzuki", now())
        .await?;
    assert_ne!(v1, v2);
    // The draft does not change what calls use until it is published.
    assert_eq!(store.published_scenario().await?.map(|v| v.id), Some(v1));
    store.publish_scenario_draft(now()).await?;
    assert_eq!(
        store.published_scenario().await?.map(|v| v.body),
        Some(r#"{"max_failures": 4}"#.to_owned())
    );
    let v3 = store
        .rollback_scenario(v1, "tanaka", now())
        .await?
        .expect("restored");
    let published = store.published_scenario().await?.expect("published");
    assert_eq!(
        (published.id, published.body.as_str()),
        (v3, r#"{"max_failures": 2}"#)
    );
    let statuses: Vec<(i64, String)> = store
        .scenario_versions()
        .await?
        .into_iter()
        .map(|v| (v.id, v.status))
        .collect();
    assert_eq!(
        statuses,
        [
            (v3, "published".to_owned()),
            (v2, "retired".to_owned()),
            (v1, "retired".to_owned())
        ]
    );
    Ok(())
}

async fn aliases_and_corrections_are_kept_once_each(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let v = venue(store, "ekinaka", 1).await?;
    store.add_venue_alias(v, "駅ナカ").await?;
    store.add_venue_alias(v, "駅ナカ").await?;
    store.add_venue_alias(v, "駅の近く").await?;
    let aliases = store.venue_aliases().await?;
    assert_eq!(aliases.len(), 2);
    store.delete_venue_alias(aliases[0].id).await?;
    assert_eq!(store.venue_aliases().await?.len(), 1);
    store.set_recognition_correction("美西", "尾西").await?;
    store.set_recognition_correction("美西", "びさい").await?;
    let corrections = store.recognition_corrections().await?;
    assert_eq!(corrections.len(), 1);
    assert_eq!(corrections[0].to_text, "びさい");
    Ok(())
}
