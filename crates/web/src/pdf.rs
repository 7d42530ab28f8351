//! PDF documents people keep and print: the receipt of an appeal and the answer to it, in
//! Kazakh, Russian or English.
//!
//! One font is embedded (DejaVu Sans, which covers Kazakh and Russian Cyrillic), cut down to
//! the glyphs the document uses, with a ToUnicode map so the text can be searched, copied and
//! read aloud. Nothing here is built from markup: a document is a list of blocks of plain text.

use std::collections::{BTreeMap, BTreeSet};

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

static FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
const FONT_NAME: &[u8] = b"OTNSUB+DejaVuSans";

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;
const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN;

/// One block of a document, laid out top to bottom.
#[derive(Debug, Clone)]
pub enum Block {
    /// The document's heading.
    Title(String),
    /// A number people copy or read out (the registration number), in large type.
    Big(String),
    /// A section heading.
    Heading(String),
    /// A paragraph; line breaks in it are kept.
    Text(String),
    /// A label and its value, the label small and grey above the value.
    Field(String, String),
    /// A small grey note.
    Note(String),
    /// A QR code of this text (the verification address).
    Qr(String),
}

/// A document: its title (for the PDF's properties), language tag and blocks.
#[derive(Debug, Clone)]
pub struct Document {
    pub title: String,
    pub lang: &'static str,
    pub blocks: Vec<Block>,
}

#[derive(Debug, thiserror::Error)]
#[error("the embedded font could not be read")]
pub struct FontError;

struct Font<'a> {
    face: ttf_parser::Face<'a>,
    /// Font units to thousandths of an em.
    scale: f32,
}

impl<'a> Font<'a> {
    fn new(data: &'a [u8]) -> Result<Self, FontError> {
        let face = ttf_parser::Face::parse(data, 0).map_err(|_| FontError)?;
        let scale = 1000.0 / f32::from(face.units_per_em());
        Ok(Self { face, scale })
    }

    fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).map(|g| g.0).unwrap_or(0)
    }

    /// Advance of glyph `g` in thousandths of an em.
    fn advance(&self, g: u16) -> f32 {
        f32::from(
            self.face
                .glyph_hor_advance(ttf_parser::GlyphId(g))
                .unwrap_or(0),
        ) * self.scale
    }

    fn width(&self, s: &str, size: f32) -> f32 {
        s.chars().map(|c| self.advance(self.glyph(c))).sum::<f32>() * size / 1000.0
    }
}

/// A line of text placed on a page.
struct Placed {
    x: f32,
    y: f32,
    size: f32,
    gray: f32,
    text: String,
}

struct Layout<'f> {
    font: &'f Font<'f>,
    pages: Vec<(Vec<Placed>, Vec<Rect>)>,
    y: f32,
}

impl<'f> Layout<'f> {
    fn new(font: &'f Font<'f>) -> Self {
        Self {
            font,
            pages: vec![(Vec::new(), Vec::new())],
            y: PAGE_H - MARGIN,
        }
    }

    /// Makes room for `h` points, starting a new page when the current one is full.
    fn room(&mut self, h: f32) {
        if self.y - h < MARGIN + 20.0 {
            self.pages.push((Vec::new(), Vec::new()));
            self.y = PAGE_H - MARGIN;
        }
    }

    fn line(&mut self, text: String, size: f32, gray: f32) {
        let lh = size * 1.35;
        self.room(lh);
        self.y -= lh;
        let y = self.y + size * 0.3;
        if let Some(page) = self.pages.last_mut() {
            page.0.push(Placed {
                x: MARGIN,
                y,
                size,
                gray,
                text,
            });
        }
    }

    fn paragraph(&mut self, text: &str, size: f32, gray: f32) {
        for part in text.lines() {
            for l in wrap(self.font, part, size, TEXT_W) {
                self.line(l, size, gray);
            }
        }
    }

    fn gap(&mut self, h: f32) {
        self.y -= h;
    }

    fn qr(&mut self, payload: &str) {
        let Ok(code) = qrcode::QrCode::new(payload.as_bytes()) else {
            return;
        };
        let n = code.width();
        let side = 96.0;
        let m = side / n as f32;
        self.room(side + 8.0);
        self.y -= side + 8.0;
        let top = self.y + side;
        let colors = code.to_colors();
        if let Some(page) = self.pages.last_mut() {
            for (i, c) in colors.iter().enumerate() {
                if *c == qrcode::Color::Dark {
                    let (x, y) = ((i % n) as f32, (i / n) as f32);
                    page.1.push(Rect::new(
                        MARGIN + x * m,
                        top - (y + 1.0) * m,
                        MARGIN + (x + 1.0) * m,
                        top - y * m,
                    ));
                }
            }
        }
    }
}

/// Breaks `text` into lines no wider than `width` at `size`, at spaces where it can and
/// inside a word only when the word alone is wider than the line.
fn wrap(font: &Font, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if font.width(&candidate, size) <= width {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        // The word alone: cut it where it must be cut.
        for c in word.chars() {
            current.push(c);
            if font.width(&current, size) > width {
                current.pop();
                lines.push(std::mem::take(&mut current));
                current.push(c);
            }
        }
    }
    lines.push(current);
    lines
}

/// Renders the document as PDF.
pub fn render(doc: &Document) -> Result<Vec<u8>, FontError> {
    let font = Font::new(FONT)?;
    let mut layout = Layout::new(&font);
    for block in &doc.blocks {
        match block {
            Block::Title(t) => {
                layout.paragraph(t, 17.0, 0.0);
                layout.gap(6.0);
            }
            Block::Big(t) => {
                layout.paragraph(t, 24.0, 0.0);
                layout.gap(6.0);
            }
            Block::Heading(t) => {
                layout.gap(8.0);
                layout.paragraph(t, 13.0, 0.0);
                layout.gap(2.0);
            }
            Block::Text(t) => {
                layout.paragraph(t, 11.0, 0.0);
                layout.gap(4.0);
            }
            Block::Field(label, value) => {
                layout.paragraph(label, 9.0, 0.4);
                layout.paragraph(value, 11.0, 0.0);
                layout.gap(5.0);
            }
            Block::Note(t) => {
                layout.paragraph(t, 9.0, 0.4);
                layout.gap(3.0);
            }
            Block::Qr(payload) => {
                layout.qr(payload);
                layout.gap(8.0);
            }
        }
    }
    let pages = layout.pages;
    let total = pages.len();

    // Every glyph the document uses, and a character for each (for the ToUnicode map).
    let mut used: BTreeMap<u16, char> = BTreeMap::new();
    let mut page_number = |i: usize| format!("{} / {}", i + 1, total);
    let numbers: Vec<String> = (0..total).map(&mut page_number).collect();
    for text in pages
        .iter()
        .flat_map(|p| p.0.iter().map(|l| l.text.as_str()))
        .chain(numbers.iter().map(String::as_str))
    {
        for c in text.chars() {
            used.entry(font.glyph(c)).or_insert(c);
        }
    }

    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog = alloc();
    let tree = alloc();
    let info = alloc();
    let type0 = alloc();
    let cid = alloc();
    let descriptor = alloc();
    let cmap_ref = alloc();
    let file = alloc();
    let page_refs: Vec<(Ref, Ref)> = (0..total).map(|_| (alloc(), alloc())).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree).lang(TextStr(doc.lang));
    pdf.document_info(info)
        .title(TextStr(&doc.title))
        .creator(TextStr("Otinish"));
    pdf.pages(tree)
        .kids(page_refs.iter().map(|(p, _)| *p))
        .count(i32::try_from(total).unwrap_or(i32::MAX));

    let font_name = Name(b"F1");
    for (i, ((placed, rects), (page_ref, content_ref))) in pages.iter().zip(&page_refs).enumerate()
    {
        let mut page = pdf.page(*page_ref);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(*content_ref);
        page.resources().fonts().pair(font_name, type0);
        page.finish();

        let mut content = Content::new();
        if !rects.is_empty() {
            content.set_fill_gray(0.0);
            for r in rects {
                content.rect(r.x1, r.y1, r.x2 - r.x1, r.y2 - r.y1);
            }
            content.fill_nonzero();
        }
        let footer = Placed {
            x: PAGE_W - MARGIN - font.width(&numbers[i], 8.0),
            y: MARGIN / 2.0,
            size: 8.0,
            gray: 0.4,
            text: numbers[i].clone(),
        };
        for l in placed.iter().chain(std::iter::once(&footer)) {
            let encoded: Vec<u8> = l
                .text
                .chars()
                .flat_map(|c| font.glyph(c).to_be_bytes())
                .collect();
            content
                .set_fill_gray(l.gray)
                .begin_text()
                .set_font(font_name, l.size)
                .next_line(l.x, l.y)
                .show(Str(&encoded))
                .end_text();
        }
        let data = content.finish();
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(&data, 6);
        pdf.stream(*content_ref, &packed)
            .filter(Filter::FlateDecode);
    }

    let system = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    pdf.type0_font(type0)
        .base_font(Name(FONT_NAME))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap_ref);
    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(Name(FONT_NAME))
        .system_info(system)
        .font_descriptor(descriptor)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    {
        let mut widths = cid_font.widths();
        for g in used.keys() {
            widths.consecutive(*g, [font.advance(*g)]);
        }
    }
    cid_font.finish();

    let face = &font.face;
    let s = font.scale;
    let bbox = face.global_bounding_box();
    pdf.font_descriptor(descriptor)
        .name(Name(FONT_NAME))
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(
            f32::from(bbox.x_min) * s,
            f32::from(bbox.y_min) * s,
            f32::from(bbox.x_max) * s,
            f32::from(bbox.y_max) * s,
        ))
        .italic_angle(0.0)
        .ascent(f32::from(face.ascender()) * s)
        .descent(f32::from(face.descender()) * s)
        .cap_height(f32::from(face.capital_height().unwrap_or(face.ascender())) * s)
        .stem_v(80.0)
        .font_file2(file);

    let mut cmap = UnicodeCmap::new(Name(b"Otinish-UTF16"), system);
    for (g, c) in &used {
        cmap.pair(*g, *c);
    }
    pdf.cmap(cmap_ref, &cmap.finish());

    let keep: BTreeSet<u16> = used.keys().copied().collect();
    let program = subset(FONT, &keep).unwrap_or_else(|| FONT.to_vec());
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(&program, 6);
    pdf.stream(file, &packed).filter(Filter::FlateDecode).pair(
        Name(b"Length1"),
        i32::try_from(program.len()).unwrap_or(i32::MAX),
    );

    Ok(pdf.finish())
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(d.get(at..at + 2)?.try_into().ok()?))
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, c| {
        let mut w = [0u8; 4];
        w[..c.len()].copy_from_slice(c);
        sum.wrapping_add(u32::from_be_bytes(w))
    })
}

/// A TrueType font with only the outlines of `keep` (and the glyphs they are built from):
/// every other glyph is left empty, so glyph ids stay as they are. The tables a PDF
/// reader needs are kept; the rest are dropped. `None` if the font is not as expected.
pub fn subset(font: &[u8], keep: &BTreeSet<u16>) -> Option<Vec<u8>> {
    let n_tables = usize::from(be16(font, 4)?);
    let mut tables: BTreeMap<[u8; 4], &[u8]> = BTreeMap::new();
    for i in 0..n_tables {
        let rec = 12 + 16 * i;
        let tag: [u8; 4] = font.get(rec..rec + 4)?.try_into().ok()?;
        let offset = usize::try_from(be32(font, rec + 8)?).ok()?;
        let length = usize::try_from(be32(font, rec + 12)?).ok()?;
        tables.insert(tag, font.get(offset..offset + length)?);
    }
    let head = *tables.get(b"head")?;
    let long_loca = be16(head, 50)? == 1;
    let glyphs = usize::from(be16(tables.get(b"maxp")?, 4)?);
    let loca = *tables.get(b"loca")?;
    let glyf = *tables.get(b"glyf")?;
    let range = |g: usize| -> Option<(usize, usize)> {
        let at = |i: usize| -> Option<usize> {
            if long_loca {
                usize::try_from(be32(loca, i * 4)?).ok()
            } else {
                Some(usize::from(be16(loca, i * 2)?) * 2)
            }
        };
        Some((at(g)?, at(g + 1)?))
    };

    // The glyphs to keep, with the components of composite glyphs.
    let mut wanted: BTreeSet<u16> = keep.clone();
    wanted.insert(0);
    let mut todo: Vec<u16> = wanted.iter().copied().collect();
    while let Some(g) = todo.pop() {
        let (start, end) = range(usize::from(g))?;
        let data = glyf.get(start..end)?;
        if data.len() < 10 || (be16(data, 0)? as i16) >= 0 {
            continue;
        }
        let mut at = 10;
        loop {
            let flags = be16(data, at)?;
            let component = be16(data, at + 2)?;
            if wanted.insert(component) {
                todo.push(component);
            }
            at += 4 + if flags & 0x0001 != 0 { 4 } else { 2 };
            at += if flags & 0x0008 != 0 {
                2
            } else if flags & 0x0040 != 0 {
                4
            } else if flags & 0x0080 != 0 {
                8
            } else {
                0
            };
            if flags & 0x0020 == 0 {
                break;
            }
        }
    }

    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::with_capacity((glyphs + 1) * 4);
    for g in 0..glyphs {
        new_loca.extend(u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
        if wanted.contains(&u16::try_from(g).ok()?) {
            let (start, end) = range(g)?;
            new_glyf.extend_from_slice(glyf.get(start..end)?);
            while new_glyf.len() % 4 != 0 {
                new_glyf.push(0);
            }
        }
    }
    new_loca.extend(u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
    let mut new_head = head.to_vec();
    new_head.get_mut(8..12)?.copy_from_slice(&[0; 4]);
    new_head
        .get_mut(50..52)?
        .copy_from_slice(&1u16.to_be_bytes());

    let mut out_tables: Vec<([u8; 4], Vec<u8>)> = Vec::new();
    for (tag, data) in &tables {
        let data = match tag {
            b"head" => new_head.clone(),
            b"loca" => new_loca.clone(),
            b"glyf" => new_glyf.clone(),
            b"hhea" | b"hmtx" | b"maxp" | b"cvt " | b"fpgm" | b"prep" => data.to_vec(),
            _ => continue,
        };
        out_tables.push((*tag, data));
    }

    let count = u16::try_from(out_tables.len()).ok()?;
    let pow = 1u16 << (15 - count.leading_zeros() as u16);
    let mut out = Vec::new();
    out.extend(0x0001_0000u32.to_be_bytes());
    out.extend(count.to_be_bytes());
    out.extend((pow * 16).to_be_bytes());
    out.extend((15 - pow.leading_zeros() as u16).to_be_bytes());
    out.extend((count * 16 - pow * 16).to_be_bytes());
    let mut offset = 12 + 16 * out_tables.len();
    let mut head_at = None;
    let mut body = Vec::new();
    for (tag, data) in &out_tables {
        out.extend(tag);
        out.extend(checksum(data).to_be_bytes());
        out.extend(u32::try_from(offset).ok()?.to_be_bytes());
        out.extend(u32::try_from(data.len()).ok()?.to_be_bytes());
        if tag == b"head" {
            head_at = Some(offset);
        }
        body.extend_from_slice(data);
        while body.len() % 4 != 0 {
            body.push(0);
        }
        offset = 12 + 16 * out_tables.len() + body.len();
    }
    out.extend(body);
    let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
    let at = head_at? + 8;
    out.get_mut(at..at + 4)?
        .copy_from_slice(&adjust.to_be_bytes());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subset_keeps_the_used_glyphs_and_is_a_font_again() {
        let font = Font::new(FONT).unwrap();
        let keep: BTreeSet<u16> = "Өтініш қабылданды Ә"
            .chars()
            .map(|c| font.glyph(c))
            .collect();
        let cut = subset(FONT, &keep).unwrap();
        assert!(cut.len() < FONT.len() / 5, "{} bytes", cut.len());
        let face = ttf_parser::Face::parse(&cut, 0).unwrap();
        for c in "Өтінішқабылданды".chars() {
            let g = &font.glyph(c);
            assert!(
                face.outline_glyph(ttf_parser::GlyphId(*g), &mut Sink)
                    .is_some(),
                "glyph {g} lost its outline"
            );
        }
        // A glyph not asked for is empty.
        let z = font.glyph('Z');
        assert!(face
            .outline_glyph(ttf_parser::GlyphId(z), &mut Sink)
            .is_none());
    }

    struct Sink;
    impl ttf_parser::OutlineBuilder for Sink {
        fn move_to(&mut self, _: f32, _: f32) {}
        fn line_to(&mut self, _: f32, _: f32) {}
        fn quad_to(&mut self, _: f32, _: f32, _: f32, _: f32) {}
        fn curve_to(&mut self, _: f32, _: f32, _: f32, _: f32, _: f32, _: f32) {}
        fn close(&mut self) {}
    }

    #[test]
    fn long_words_are_cut_and_lines_fit() {
        let font = Font::new(FONT).unwrap();
        let text = format!("{} қысқа сөз", "ә".repeat(200));
        for line in wrap(&font, &text, 11.0, TEXT_W) {
            assert!(font.width(&line, 11.0) <= TEXT_W, "{line}");
        }
    }
}
