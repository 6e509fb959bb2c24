//! Native benchmarks: single evaluation with a prepared context,
//! evaluate-all for one context, snapshot load throughput, and text
//! operators over many patterns.
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

/// User-agent fragments of crawlers and tools, as a `contains` list holds
/// them: 62 patterns of 21 lengths.
const AGENTS: [&str; 62] = [
    "bot",
    "crawler",
    "spider",
    "slurp",
    "bingpreview",
    "facebookexternalhit",
    "headlesschrome",
    "python-requests",
    "curl/",
    "wget",
    "httpclient",
    "okhttp",
    "go-http-client",
    "java/",
    "scrapy",
    "phantomjs",
    "selenium",
    "puppeteer",
    "playwright",
    "lighthouse",
    "pingdom",
    "uptimerobot",
    "statuscake",
    "ahrefs",
    "semrush",
    "mj12",
    "dotbot",
    "yandex",
    "baiduspider",
    "sogou",
    "exabot",
    "ia_archiver",
    "archive.org",
    "duckduckbot",
    "applebot",
    "petalbot",
    "bytespider",
    "gptbot",
    "ccbot",
    "claudebot",
    "anthropic-ai",
    "perplexitybot",
    "amazonbot",
    "googleother",
    "adsbot",
    "mediapartners",
    "feedfetcher",
    "apis-google",
    "twitterbot",
    "linkedinbot",
    "slackbot",
    "discordbot",
    "telegrambot",
    "whatsapp",
    "skypeuripreview",
    "redditbot",
    "pinterest",
    "embedly",
    "quora link preview",
    "outbrain",
    "vkshare",
    "w3c_validator",
];

fn contains(c: &mut Criterion) {
    use feats_edge::ops::patterns::{Affixes, Many};
    let mut g = c.benchmark_group("contains");
    let agents = Many::new(&AGENTS);
    let ua = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";
    g.bench_function("62 agent patterns, a 117-byte user agent (no match)", |b| {
        b.iter(|| black_box(agents.any_in(black_box(ua.as_bytes()))))
    });
    let long = ua.repeat(70);
    g.bench_function("62 agent patterns, an 8 KB value (no match)", |b| {
        b.iter(|| black_box(agents.any_in(black_box(long.as_bytes()))))
    });
    g.bench_function("62 agent patterns, compiled", |b| {
        b.iter(|| black_box(Many::new(black_box(&AGENTS))))
    });
    // An allowlist of 1 000 e-mail domains, as `ends_with` patterns.
    let domains: Vec<String> = (0..1000)
        .map(|i| format!("@customer-{i}.example"))
        .collect();
    let refs: Vec<&str> = domains.iter().map(String::as_str).collect();
    let ends = Affixes::new(&refs, true);
    g.bench_function("1 000 ends_with domains, an address (no match)", |b| {
        b.iter(|| black_box(ends.any_of(black_box(b"someone.else@customer-1000.example"))))
    });
    g.bench_function("1 000 ends_with domains, one by one (no match)", |b| {
        let v = black_box("someone.else@customer-1000.example");
        b.iter(|| black_box(refs.iter().any(|d| v.ends_with(d))))
    });
    // Every length from 1 to 1 000: a pass per length cost 1 000 passes.
    let lengths: Vec<String> = (1..=1000)
        .map(|l| format!("{}y", "x".repeat(l - 1)))
        .collect();
    let refs: Vec<&str> = lengths.iter().map(String::as_str).collect();
    let many = Many::new(&refs);
    let xs = "x".repeat(60_000);
    g.sample_size(10);
    g.bench_function(
        "1 000 patterns of 1 000 lengths, a 60 KB value (no match)",
        |b| b.iter(|| black_box(many.any_in(black_box(xs.as_bytes())))),
    );
    g.finish();
}

criterion_group!(evaluate, benches, contains);
criterion_main!(evaluate);
