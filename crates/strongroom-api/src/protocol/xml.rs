//! A minimal XML writer for the Query protocol's answers.
//!
//! Element names come from this crate (operation and member names of the
//! models), never from a request; every text value is escaped. Elements are
//! written through closures, so every start tag gets its end tag.

/// Builds one XML document, element by element.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    pub fn new() -> XmlWriter {
        XmlWriter::default()
    }

    /// Whether nothing has been written yet.
    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// `<name>…</name>`, its content written by `content`.
    pub fn element(&mut self, name: &str, content: impl FnOnce(&mut XmlWriter)) {
        self.start(name, None);
        content(self);
        self.end(name);
    }

    /// `<name xmlns="namespace">…</name>`: a document's root element.
    pub fn root(&mut self, name: &str, namespace: &str, content: impl FnOnce(&mut XmlWriter)) {
        self.start(name, Some(namespace));
        content(self);
        self.end(name);
    }

    /// `<name>text</name>`, with `text` escaped.
    pub fn text(&mut self, name: &str, text: &str) {
        self.start(name, None);
        escape_into(&mut self.out, text);
        self.end(name);
    }

    /// [`XmlWriter::text`] if there is a value; AWS leaves absent members out.
    pub fn optional(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.text(name, text);
        }
    }

    /// `<name><member>…</member>…</name>`: a list as IAM and STS write it
    /// (not flattened), each item written by `item`.
    pub fn list<T>(
        &mut self,
        name: &str,
        items: impl IntoIterator<Item = T>,
        mut item: impl FnMut(&mut XmlWriter, T),
    ) {
        self.element(name, |w| {
            for value in items {
                w.element("member", |w| item(w, value));
            }
        });
    }

    /// Appends an already written fragment (its elements are balanced by
    /// construction).
    pub fn append(&mut self, fragment: XmlWriter) {
        self.out.push_str(&fragment.out);
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.out.into_bytes()
    }

    fn start(&mut self, name: &str, namespace: Option<&str>) {
        debug_assert!(is_name(name), "not an XML element name: {name:?}");
        self.out.push('<');
        self.out.push_str(name);
        if let Some(ns) = namespace {
            self.out.push_str(" xmlns=\"");
            escape_into(&mut self.out, ns);
            self.out.push('"');
        }
        self.out.push('>');
    }

    fn end(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }
}

/// The names this crate writes: model member and operation names.
fn is_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Appends `text` as XML character data (also safe inside a double-quoted
/// attribute value, the only kind this writer makes; so `'` stays as it is).
///
/// Characters XML 1.0 cannot carry at all, not even as references (C0
/// controls other than tab, line feed and carriage return; U+FFFE, U+FFFF),
/// become U+FFFD. A carriage return is written as a reference because a
/// parser would otherwise normalise it (and CRLF) to a line feed.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#xD;"),
            '\t' | '\n' => out.push(c),
            '\u{0}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = String::new();
        escape_into(&mut out, text);
        out
    }

    #[test]
    fn escapes_markup_characters() {
        assert_eq!(escaped(r#"a<b>&"c"'d'"#), "a&lt;b&gt;&amp;&quot;c&quot;'d'");
        // Already-escaped text is escaped again, not passed through.
        assert_eq!(escaped("&amp;"), "&amp;amp;");
        assert_eq!(escaped("]]>"), "]]&gt;");
        assert_eq!(escaped("plain ünïcödé 🔑"), "plain ünïcödé 🔑");
        assert_eq!(escaped(""), "");
    }

    #[test]
    fn escapes_or_replaces_control_characters() {
        assert_eq!(escaped("a\tb\nc"), "a\tb\nc");
        assert_eq!(escaped("a\r\nb"), "a&#xD;\nb");
        assert_eq!(escaped("a\u{0}b\u{1b}c\u{7f}"), "a\u{FFFD}b\u{FFFD}c\u{7f}");
        assert_eq!(escaped("\u{FFFE}\u{FFFF}"), "\u{FFFD}\u{FFFD}");
    }

    #[test]
    fn writes_balanced_documents() {
        let mut w = XmlWriter::new();
        w.root("GetThingResponse", "https://example.com/doc/\"x\"/", |w| {
            w.element("GetThingResult", |w| {
                w.text("Name", "<script>&");
                w.optional("Absent", None);
                w.optional("Present", Some("yes"));
                w.list("Tags", [("k1", "v1"), ("k&2", "v'2")], |w, (k, v)| {
                    w.text("Key", k);
                    w.text("Value", v);
                });
                w.list("Empty", Vec::<&str>::new(), |w, v| w.text("X", v));
            });
        });
        assert_eq!(
            String::from_utf8(w.into_bytes()).unwrap(),
            "<GetThingResponse xmlns=\"https://example.com/doc/&quot;x&quot;/\">\
             <GetThingResult>\
             <Name>&lt;script&gt;&amp;</Name>\
             <Present>yes</Present>\
             <Tags>\
             <member><Key>k1</Key><Value>v1</Value></member>\
             <member><Key>k&amp;2</Key><Value>v'2</Value></member>\
             </Tags>\
             <Empty></Empty>\
             </GetThingResult>\
             </GetThingResponse>"
        );
    }

    #[test]
    fn appends_fragments() {
        let mut inner = XmlWriter::new();
        assert!(inner.is_empty());
        inner.text("A", "1");
        assert!(!inner.is_empty());
        let mut outer = XmlWriter::new();
        outer.element("Outer", |w| w.append(inner));
        assert_eq!(
            String::from_utf8(outer.into_bytes()).unwrap(),
            "<Outer><A>1</A></Outer>"
        );
    }
}
