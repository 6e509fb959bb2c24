//! Native benchmarks: single evaluation with a prepared context,
//! evaluate-all for one context, and snapshot load throughput.
//!
//! Workload (the same as the package benchmark): 200 features, each a
//! `Country in [US, CA, GB, DE, FR]` rule with a 50/50 split by `UserId`.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use feats_edge::context::{FixedEnv, JsonContext};
use feats_edge::{json, Engine};

#[path = "../tests/common/mod.rs"]
mod common;
use common::workload as snapshot;

const COUNTRIES: [&str; 10] = ["US", "CA", "GB", "DE", "FR", "NL", "BR", "JP", "IN", "MX"];

fn contexts(engine: &Engine, n: usize) -> Vec<JsonContext> {
    (0..n)
        .map(|i| {
            let text = format!(
                r#"{{"user": {{"id": "user-{i}", "country": "{}"}}}}"#,
                COUNTRIES[i % 10]
            );
            JsonContext::new(
                engine,
                &json::parse(&text, &json::Limits::default()).unwrap(),
            )
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let text = snapshot(200);
    let engine = Engine::load(&text).unwrap();
    let ctxs = contexts(&engine, 1024);
    let mut env = FixedEnv {
        now: 0,
        sticky: BTreeMap::new(),
        random: || 0,
    };

    let mut i = 0usize;
    c.bench_function("evaluate one feature (prepared context)", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            let ctx = &ctxs[i & 1023];
            black_box(engine.evaluate_index(i % 200, ctx, &mut env).implementation)
        })
    });

    let mut j = 0usize;
    c.bench_function("evaluate all 200 features (one context)", |b| {
        b.iter(|| {
            j = j.wrapping_add(1);
            let ctx = &ctxs[j & 1023];
            let mut memo = engine.memo();
            let mut sum = 0u32;
            for f in 0..200 {
                sum += u32::from(
                    engine
                        .evaluate_index_with(f, ctx, &mut env, &mut memo)
                        .implementation
                        .unwrap_or(9),
                );
            }
            black_box(sum)
        })
    });

    c.bench_function("prepare a context from JSON", |b| {
        let value = json::parse(
            r#"{"user": {"id": "user-1", "country": "US", "email": "a@b.c"}}"#,
            &json::Limits::default(),
        )
        .unwrap();
        b.iter(|| black_box(JsonContext::new(&engine, &value)))
    });

    let big = snapshot(10_000);
    let mut g = c.benchmark_group("load");
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.sample_size(10);
    g.bench_function(
        "10 000-feature snapshot, checked (features compile on first use)",
        |b| {
            // Freeing the engine afterwards is not part of loading it.
            b.iter_with_large_drop(|| Engine::load(black_box(&big)).unwrap())
        },
    );
    g.bench_function(
        "10 000-feature snapshot, checked and every feature compiled",
        |b| {
            b.iter_with_large_drop(|| {
                let e = Engine::load(black_box(&big)).unwrap();
                black_box(e.problems().len());
                e
            })
        },
    );
    g.finish();
}

criterion_group!(evaluate, benches);
criterion_main!(evaluate);
