//! Segments: `from` templates parsed into literal and slot parts, `options`.

use super::reader::{self, quoted, Errs, Ptr};
use crate::index::NameIndex;
use crate::json::Value;
use crate::model::{InputId, Part, Slot, SlotId, StrSet, Template};
use crate::prelude::*;
use crate::text::concat;

/// The inputs and slots of a snapshot, interned as they are met.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    /// Input names, by [`InputId`].
    pub inputs: Vec<String>,
    input_ids: NameIndex,
    /// Slots, by [`SlotId`].
    pub slots: Vec<Slot>,
    slot_ids: NameIndex,
}

impl Interner {
    /// The id of an input name, adding it if new.
    pub fn input(&mut self, name: &str) -> Option<InputId> {
        if let Some(id) = self.find_input(name) {
            return Some(id);
        }
        let id = InputId::try_from(self.inputs.len()).ok()?;
        self.inputs.push(name.to_owned());
        self.input_ids.insert(name, u32::from(id));
        Some(id)
    }

    /// The id of an input name, if known.
    pub fn find_input(&self, name: &str) -> Option<InputId> {
        self.input_ids
            .get(name)
            .and_then(|i| InputId::try_from(i).ok())
    }

    fn slot(&mut self, slot: Slot) -> Option<SlotId> {
        // Key: the input id, then each path key with its length, so no two
        // different slots share a key.
        let mut key = String::new();
        crate::text::push_u64(&mut key, u64::from(slot.input));
        for k in &slot.path {
            key.push('/');
            crate::text::push_u64(&mut key, k.len() as u64);
            key.push(':');
            key.push_str(k);
        }
        if let Some(id) = self.slot_ids.get(&key) {
            return Some(id);
        }
        let id = SlotId::try_from(self.slots.len()).ok()?;
        self.slots.push(slot);
        self.slot_ids.insert(&key, id);
        Some(id)
    }
}

/// A segment as declared, compiled on its own.
#[derive(Clone, Debug)]
pub struct SegmentDef {
    /// The segment's name.
    pub name: String,
    /// `(input, template)` in declared order; empty when the segment has problems.
    pub templates: Vec<(InputId, Template)>,
    /// `(input, index in templates)`, sorted by input: which template
    /// converts an input, found without a scan.
    pub by_input: Vec<(u32, u32)>,
    /// The allowed values, if declared: as a set, and as listed.
    pub options: Option<(StrSet, Vec<String>)>,
    /// Whether the segment compiled without problems.
    pub ok: bool,
}

/// Compiles `/segments/NAME`.
pub fn compile(
    name: &str,
    value: &Value,
    ptr: &Ptr<'_>,
    interner: &mut Interner,
    errs: &mut Errs,
) -> SegmentDef {
    let before = errs.count();
    reader::check_name(name, ptr, errs);
    let mut def = SegmentDef {
        name: name.to_owned(),
        templates: Vec::new(),
        by_input: Vec::new(),
        options: None,
        ok: false,
    };
    if let Some([from, options]) = reader::fields(value, ptr, ["from", "options"], errs) {
        if let Some(from) = reader::required(from, ptr, "from", errs) {
            let from_ptr = ptr.key("from");
            match from.as_object() {
                Some(members) => {
                    // The inputs with a template so far: a repeat is a
                    // problem (one lookup each, not a scan of the templates).
                    let mut converted = NameIndex::new();
                    let mut annotations = [false; 2];
                    let mut inputs = 0;
                    for (input, template) in members {
                        // (A string with a placeholder could be a template.)
                        let entry = template.as_str().is_some_and(has_placeholder);
                        let (kind, seen) = (template.kind(), &mut annotations);
                        if reader::annotation(input, kind, entry, seen, &from_ptr, errs) {
                            continue;
                        }
                        inputs += 1;
                        let at = from_ptr.key(input);
                        if !reader::check_name(input, &at, errs) {
                            continue;
                        }
                        if converted.contains(input) {
                            errs.add(
                                &at,
                                concat(&["the input ", &quoted(input), " appears more than once"]),
                            );
                            continue;
                        }
                        let Some(text) = reader::string(template, &at, errs) else {
                            continue;
                        };
                        let Some(input_id) = interner.input(input) else {
                            errs.add(
                                &at,
                                "more than 65 536 different input names in the snapshot".to_owned(),
                            );
                            continue;
                        };
                        if let Some(t) = parse_template(text, input_id, &at, interner, errs) {
                            converted.insert(input, 0);
                            def.templates.push((input_id, t));
                        }
                    }
                    if inputs == 0 {
                        errs.add(
                            &from_ptr,
                            "a segment needs at least one input in 'from'".to_owned(),
                        );
                    }
                }
                None => errs.add(
                    &from_ptr,
                    reader::expected("an object of input names to templates", from),
                ),
            }
        }
        if let Some(options) = options {
            if let Some(list) = reader::strings(options, &ptr.key("options"), errs) {
                let listed = list.iter().map(|&o| o.to_owned()).collect();
                def.options = Some((StrSet::new(&list), listed));
            }
        }
    }
    def.ok = errs.count() == before;
    if !def.ok {
        def.templates.clear();
    }
    def.by_input = def
        .templates
        .iter()
        .enumerate()
        .map(|(t, (input, _))| (u32::from(*input), u32::try_from(t).unwrap_or(u32::MAX)))
        .collect();
    crate::index::sort_pairs(&mut def.by_input);
    def
}

/// Whether `text` has a `{placeholder}` (see [`placeholders`]). A
/// template needs one, so a string without one cannot be a template (a
/// `description` in `from` such as `"see {country"` is then the annotation).
pub fn has_placeholder(text: &str) -> bool {
    placeholders(text).next().is_some()
}

/// The paths of the `{placeholder}`s of `text`, as written between the
/// braces (`address.country_code`): each `{` that is not `{{`, closed by a
/// `}` before any other `{`, around dot-separated keys, none empty.
pub fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    core::iter::from_fn(move || {
        while let Some(at) = rest.find('{') {
            let after = rest.get(at + 1..).unwrap_or_default();
            if let Some(escaped) = after.strip_prefix('{') {
                rest = escaped;
                continue;
            }
            let end = after.find(['{', '}'])?;
            let inner = after.get(..end).unwrap_or_default();
            if after.as_bytes().get(end) == Some(&b'}') && !inner.split('.').any(str::is_empty) {
                rest = after.get(end + 1..).unwrap_or_default();
                return Some(inner);
            }
            rest = after.get(end..).unwrap_or_default();
        }
        None
    })
}

/// The most placeholders one template holds. Each is read, and its value
/// copied, on every evaluation: a template of `{ua}` written 550 000
/// times (1.6 MB of snapshot) rendered 550 MB from a 1 KB value.
pub const MAX_PLACEHOLDERS: usize = 64;

/// Parses a template such as `{address.country_code}-{address.subdivision_code}`.
fn parse_template(
    text: &str,
    input: InputId,
    ptr: &Ptr<'_>,
    interner: &mut Interner,
    errs: &mut Errs,
) -> Option<Template> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut slots = 0;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match c {
            '{' if rest.starts_with("{{") => {
                literal.push('{');
                rest = rest.get(2..).unwrap_or_default();
            }
            '}' if rest.starts_with("}}") => {
                literal.push('}');
                rest = rest.get(2..).unwrap_or_default();
            }
            '}' => {
                errs.add(
                    ptr,
                    concat(&[
                        "template ",
                        &quoted(text),
                        ": a lone '}' (write '}}' for a literal brace)",
                    ]),
                );
                return None;
            }
            '{' => {
                let inner = rest.get(1..).unwrap_or_default();
                let Some(end) = inner
                    .find(['}', '{'])
                    .filter(|&i| inner.as_bytes().get(i) == Some(&b'}'))
                else {
                    errs.add(
                        ptr,
                        concat(&[
                            "template ",
                            &quoted(text),
                            ": a '{' without its '}' (write '{{' for a literal brace)",
                        ]),
                    );
                    return None;
                };
                let path_text = inner.get(..end).unwrap_or_default();
                let path: Vec<String> = path_text.split('.').map(str::to_owned).collect();
                if path.iter().any(String::is_empty) {
                    errs.add(
                        ptr,
                        concat(&[
                            "template ",
                            &quoted(text),
                            ": the placeholder {",
                            path_text,
                            "} needs dot-separated keys, none empty",
                        ]),
                    );
                    return None;
                }
                if !literal.is_empty() {
                    parts.push(Part::Text(core::mem::take(&mut literal)));
                }
                slots += 1;
                if slots > MAX_PLACEHOLDERS {
                    let mut m = String::from("the template has more than ");
                    crate::text::push_u64(&mut m, MAX_PLACEHOLDERS as u64);
                    m.push_str(" placeholders");
                    errs.add(ptr, m);
                    return None;
                }
                parts.push(Part::Slot(interner.slot(Slot { input, path })?));
                rest = inner.get(end + 1..).unwrap_or_default();
            }
            _ => {
                literal.push(c);
                rest = rest.get(c.len_utf8()..).unwrap_or_default();
            }
        }
    }
    if !literal.is_empty() {
        parts.push(Part::Text(literal));
    }
    if !parts.iter().any(|p| matches!(p, Part::Slot(_))) {
        errs.add(
            ptr,
            concat(&[
                "template ",
                &quoted(text),
                " has no {placeholder}, so every context would give the same value",
            ]),
        );
        return None;
    }
    Some(Template {
        parts: parts.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<String>, String> {
        let mut interner = Interner::default();
        let mut errs = Errs::default();
        let input = interner.input("user").unwrap_or_default();
        match parse_template(text, input, &Ptr::root("/p"), &mut interner, &mut errs) {
            Some(t) => Ok(t
                .parts
                .iter()
                .map(|p| match p {
                    Part::Text(s) => concat(&["text:", s]),
                    Part::Slot(id) => {
                        concat(&["slot:", &interner.slots[*id as usize].path.join(".")])
                    }
                })
                .collect()),
            None => Err(errs.list.first().map(|e| e.1.clone()).unwrap_or_default()),
        }
    }

    #[test]
    fn templates() {
        assert_eq!(parse("{id}").unwrap(), ["slot:id"]);
        assert_eq!(
            parse("{address.country_code}-{address.subdivision_code}").unwrap(),
            [
                "slot:address.country_code",
                "text:-",
                "slot:address.subdivision_code"
            ]
        );
        assert_eq!(
            parse("{{literal}} {a}").unwrap(),
            ["text:{literal} ", "slot:a"]
        );
        assert_eq!(parse("ü{a}é").unwrap(), ["text:ü", "slot:a", "text:é"]);
        assert!(parse("{a").unwrap_err().contains("without its '}'"));
        assert!(parse("a}").unwrap_err().contains("lone '}'"));
        assert!(parse("{}").unwrap_err().contains("none empty"));
        assert!(parse("{a..b}").unwrap_err().contains("none empty"));
        assert!(parse("{a{b}").unwrap_err().contains("without its '}'"));
        assert!(parse("constant").unwrap_err().contains("no {placeholder}"));
    }

    #[test]
    fn placeholders_are_found_only_where_a_template_could_read_one() {
        for yes in [
            "{id}",
            "a {b.c} d",
            "{{x}} {y}",
            "{{{a}}}",
            "{ {b}",
            "sets {a, b}",
        ] {
            assert!(has_placeholder(yes), "{yes}");
        }
        for no in [
            "",
            "text",
            "{{id}}",
            "see {country",
            "{}",
            "{a..b}",
            "{.a}",
            "} {",
        ] {
            assert!(!has_placeholder(no), "{no}");
        }
    }
}
