//! Video appeals from booths in State Corporation branches (VA): what the server checks of a
//! recording (its real container, tracks and duration, VA-04), the secret code on the receipt
//! (VA-05, VA-13) and the receipt's Code 128 barcode.

use std::fmt;

/// VA-04: a recording lasts at most 3 minutes.
pub const MAX_RECORDING_MS: u64 = 180_000;
/// Frames are timed to the millisecond; a recorder stopped at 3:00 may stamp its last frame a
/// few hundredths later.
pub const DURATION_TOLERANCE_MS: u64 = 500;
/// A header's declared duration may differ from the frames by this much (the last frame's own
/// length) before it counts as forged.
pub const DECLARED_TOLERANCE_MS: u64 = 2_000;

/// What the server found in an uploaded recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    /// `webm` or `matroska`.
    pub doc_type: String,
    /// The codec of the video track, e.g. `V_VP8`.
    pub video_codec: String,
    pub has_audio: bool,
    /// From the first frame to the last, in milliseconds.
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// Not an EBML (WebM/Matroska) file at all.
    #[error("the file is not a video recording (WebM)")]
    NotVideo,
    /// Cut short or malformed.
    #[error("the recording is damaged or incomplete")]
    Damaged,
    /// A container without a video track or without frames.
    #[error("the recording has no video")]
    NoVideo,
    /// VA-04.
    #[error("the recording lasts {seconds} s; at most 180 s are allowed")]
    TooLong { seconds: u64 },
    /// The header says one length, the frames another.
    #[error("the recording's declared length ({declared_ms} ms) does not match its frames ({real_ms} ms)")]
    ForgedDuration { declared_ms: u64, real_ms: u64 },
}

const EBML: u32 = 0x1A45_DFA3;
const DOC_TYPE: u32 = 0x4282;
const SEGMENT: u32 = 0x1853_8067;
const INFO: u32 = 0x1549_A966;
const TIMECODE_SCALE: u32 = 0x2A_D7B1;
const DURATION: u32 = 0x4489;
const TRACKS: u32 = 0x1654_AE6B;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_TYPE: u32 = 0x83;
const CODEC_ID: u32 = 0x86;
const CLUSTER: u32 = 0x1F43_B675;
const CLUSTER_TIMECODE: u32 = 0xE7;
const SIMPLE_BLOCK: u32 = 0xA3;
const BLOCK_GROUP: u32 = 0xA0;
const BLOCK: u32 = 0xA1;

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// An element ID: a variable-length integer kept with its length marker.
    fn id(&mut self) -> Result<u32, MediaError> {
        let first = *self.buf.get(self.pos).ok_or(MediaError::Damaged)?;
        let len = first.leading_zeros() as usize + 1;
        if len > 4 {
            return Err(MediaError::Damaged);
        }
        let bytes = self
            .buf
            .get(self.pos..self.pos + len)
            .ok_or(MediaError::Damaged)?;
        self.pos += len;
        Ok(bytes.iter().fold(0u32, |v, b| (v << 8) | u32::from(*b)))
    }

    /// An element size: `None` for "unknown" (all value bits set), as live recorders write
    /// for the segment and its clusters.
    fn size(&mut self) -> Result<Option<u64>, MediaError> {
        let first = *self.buf.get(self.pos).ok_or(MediaError::Damaged)?;
        let len = first.leading_zeros() as usize + 1;
        if len > 8 {
            return Err(MediaError::Damaged);
        }
        let bytes = self
            .buf
            .get(self.pos..self.pos + len)
            .ok_or(MediaError::Damaged)?;
        self.pos += len;
        let mask = if len == 8 { 0 } else { 0xFFu8 >> len };
        let mut v = u64::from(bytes[0] & mask);
        for b in &bytes[1..] {
            v = (v << 8) | u64::from(*b);
        }
        let all_ones = (1u64 << (7 * len)) - 1;
        Ok((v != all_ones).then_some(v))
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], MediaError> {
        let n = usize::try_from(n).map_err(|_| MediaError::Damaged)?;
        let end = self.pos.checked_add(n).ok_or(MediaError::Damaged)?;
        let out = self.buf.get(self.pos..end).ok_or(MediaError::Damaged)?;
        self.pos = end;
        Ok(out)
    }

    fn done(&self) -> bool {
        self.pos >= self.buf.len()
    }
}

fn uint(b: &[u8]) -> u64 {
    b.iter().take(8).fold(0u64, |v, x| (v << 8) | u64::from(*x))
}

fn float(b: &[u8]) -> Option<f64> {
    match b.len() {
        4 => Some(f64::from(f32::from_be_bytes(b.try_into().ok()?))),
        8 => Some(f64::from_be_bytes(b.try_into().ok()?)),
        _ => None,
    }
}

/// The children of a master element, as (id, body).
fn children(body: &[u8]) -> Result<Vec<(u32, &[u8])>, MediaError> {
    let mut r = Reader { buf: body, pos: 0 };
    let mut out = Vec::new();
    while !r.done() {
        let id = r.id()?;
        let size = r.size()?.ok_or(MediaError::Damaged)?;
        out.push((id, r.take(size)?));
    }
    Ok(out)
}

/// VA-04: reads an uploaded recording as the container it really is, whatever the client said
/// of it: the EBML header must name WebM or Matroska, a video track must exist, and the
/// duration is measured from the frames' timecodes (the header's own duration, which a client
/// can write, is only compared with them). At most 3 minutes.
pub fn inspect_recording(bytes: &[u8]) -> Result<Recording, MediaError> {
    let mut r = Reader { buf: bytes, pos: 0 };
    if r.id().map_err(|_| MediaError::NotVideo)? != EBML {
        return Err(MediaError::NotVideo);
    }
    let header = r
        .size()
        .map_err(|_| MediaError::NotVideo)?
        .ok_or(MediaError::NotVideo)?;
    let header = r.take(header).map_err(|_| MediaError::NotVideo)?;
    let doc_type = children(header)
        .map_err(|_| MediaError::NotVideo)?
        .into_iter()
        .find(|(id, _)| *id == DOC_TYPE)
        .map(|(_, b)| String::from_utf8_lossy(b).trim_end_matches('\0').to_owned())
        .ok_or(MediaError::NotVideo)?;
    if doc_type != "webm" && doc_type != "matroska" {
        return Err(MediaError::NotVideo);
    }
    if r.id()? != SEGMENT {
        return Err(MediaError::Damaged);
    }
    let _segment_size = r.size()?;
    // A flat walk through the segment: clusters and block groups are entered (their sizes may
    // be unknown), every other element is read whole or skipped.
    let mut scale_ns: u64 = 1_000_000;
    let mut declared: Option<f64> = None;
    let mut video_codec: Option<String> = None;
    let mut has_audio = false;
    let mut cluster_tc: i64 = 0;
    let mut first: Option<i64> = None;
    let mut last: i64 = 0;
    let mut frame = |cluster_tc: i64, block: &[u8]| -> Result<(), MediaError> {
        let mut b = Reader { buf: block, pos: 0 };
        let _track = b.size()?;
        let rel = b.take(2)?;
        let at = cluster_tc + i64::from(i16::from_be_bytes([rel[0], rel[1]]));
        first = Some(first.map_or(at, |f| f.min(at)));
        last = last.max(at);
        Ok(())
    };
    while !r.done() {
        let id = r.id()?;
        let size = r.size()?;
        match (id, size) {
            (CLUSTER | BLOCK_GROUP, _) => {}
            (_, None) => return Err(MediaError::Damaged),
            (INFO, Some(n)) => {
                for (cid, body) in children(r.take(n)?)? {
                    match cid {
                        TIMECODE_SCALE => scale_ns = uint(body).max(1),
                        DURATION => declared = float(body),
                        _ => {}
                    }
                }
            }
            (TRACKS, Some(n)) => {
                for (cid, entry) in children(r.take(n)?)? {
                    if cid != TRACK_ENTRY {
                        continue;
                    }
                    let fields = children(entry)?;
                    let kind = fields
                        .iter()
                        .find(|(f, _)| *f == TRACK_TYPE)
                        .map(|(_, b)| uint(b));
                    let codec = fields
                        .iter()
                        .find(|(f, _)| *f == CODEC_ID)
                        .map(|(_, b)| String::from_utf8_lossy(b).into_owned());
                    match kind {
                        Some(1) => video_codec = video_codec.or(codec),
                        Some(2) => has_audio = true,
                        _ => {}
                    }
                }
            }
            (CLUSTER_TIMECODE, Some(n)) => {
                cluster_tc = i64::try_from(uint(r.take(n)?)).map_err(|_| MediaError::Damaged)?
            }
            (SIMPLE_BLOCK | BLOCK, Some(n)) => frame(cluster_tc, r.take(n)?)?,
            (_, Some(n)) => {
                // A recorder killed mid-write leaves a last element cut short; what came
                // before it is still measured, but the file is then incomplete.
                r.take(n)?;
            }
        }
    }
    let video_codec = video_codec.ok_or(MediaError::NoVideo)?;
    let Some(first) = first else {
        return Err(MediaError::NoVideo);
    };
    let ticks = u64::try_from(last - first).unwrap_or(0);
    let duration_ms = ticks.saturating_mul(scale_ns) / 1_000_000;
    if duration_ms > MAX_RECORDING_MS + DURATION_TOLERANCE_MS {
        return Err(MediaError::TooLong {
            seconds: duration_ms / 1000,
        });
    }
    if let Some(d) = declared {
        let declared_ms = (d * scale_ns as f64 / 1_000_000.0).max(0.0) as u64;
        if declared_ms.abs_diff(duration_ms) > DECLARED_TOLERANCE_MS {
            return Err(MediaError::ForgedDuration {
                declared_ms,
                real_ms: duration_ms,
            });
        }
    }
    Ok(Recording {
        doc_type,
        video_codec,
        has_audio,
        duration_ms,
    })
}

/// The secret code printed on the receipt (VA-05), by which the answer is looked up (VA-13):
/// twelve digits, shown in groups of four.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretCode(String);

impl SecretCode {
    pub const DIGITS: usize = 12;

    /// Reads a code as typed or scanned: spaces and dashes are ignored.
    pub fn parse(s: &str) -> Option<Self> {
        let digits: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        (digits.len() == Self::DIGITS && digits.chars().all(|c| c.is_ascii_digit()))
            .then_some(Self(digits))
    }

    /// From twelve random numbers below 10 (the caller's randomness).
    pub fn from_digits(d: [u8; 12]) -> Self {
        Self(d.iter().map(|x| char::from(b'0' + (x % 10))).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SecretCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<&str> = (0..3).map(|i| &self.0[i * 4..i * 4 + 4]).collect();
        f.write_str(&parts.join(" "))
    }
}

/// Code 128 symbol patterns: bar, space, bar, space, bar, space widths in modules.
const CODE128: [&str; 107] = [
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
];

/// The symbol values of `text` in Code 128: code set C for an even number of digits, code set
/// B otherwise (printable ASCII only), with the start symbol and the check symbol.
pub fn code128_values(text: &str) -> Option<Vec<usize>> {
    let bytes = text.as_bytes();
    let mut values = Vec::new();
    if !bytes.is_empty() && bytes.len() & 1 == 0 && bytes.iter().all(u8::is_ascii_digit) {
        values.push(105);
        for pair in bytes.chunks(2) {
            values.push(usize::from((pair[0] - b'0') * 10 + (pair[1] - b'0')));
        }
    } else {
        values.push(104);
        for b in bytes {
            if !(32..127).contains(b) {
                return None;
            }
            values.push(usize::from(b - 32));
        }
    }
    let check = values
        .iter()
        .enumerate()
        .map(|(i, v)| if i == 0 { *v } else { i * v })
        .sum::<usize>()
        % 103;
    values.push(check);
    values.push(106);
    Some(values)
}

/// The bar widths (bar, space, bar, …) of `text` in Code 128, stop pattern included.
pub fn code128_widths(text: &str) -> Option<Vec<u8>> {
    let values = code128_values(text)?;
    Some(
        values
            .iter()
            .flat_map(|v| CODE128[*v].bytes().map(|b| b - b'0'))
            .collect(),
    )
}

/// The barcode of `text` as an SVG image: `module` pixels per module, `height` pixels tall, with
/// the quiet zone of 10 modules on each side.
pub fn code128_svg(text: &str, module: u32, height: u32) -> Option<String> {
    let widths = code128_widths(text)?;
    let quiet = 10 * module;
    let total: u32 = widths.iter().map(|w| u32::from(*w) * module).sum::<u32>() + 2 * quiet;
    let mut x = quiet;
    let mut bars = String::new();
    for (i, w) in widths.iter().enumerate() {
        let width = u32::from(*w) * module;
        if i % 2 == 0 {
            bars.push_str(&format!(
                "<rect x=\"{x}\" y=\"0\" width=\"{width}\" height=\"{height}\"/>"
            ));
        }
        x += width;
    }
    let label = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{total}\" height=\"{height}\" \
         viewBox=\"0 0 {total} {height}\" role=\"img\" aria-label=\"{label}\">\
         <rect width=\"{total}\" height=\"{height}\" fill=\"#fff\"/><g fill=\"#000\">{bars}</g></svg>"
    ))
}

/// The booth's form as typed (VA-03, VA-06). Who the applicant is was established by the branch
/// from the identity document (VA-02); the IIN comes from that journal entry.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct VideoForm {
    /// `individual` or `legal_entity`.
    #[serde(default)]
    pub applicant_kind: String,
    #[serde(default)]
    pub surname: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub patronymic: String,
    #[serde(default)]
    pub org_name: String,
    #[serde(default)]
    pub postal_address: String,
    #[serde(default)]
    pub email: String,
    /// The code of the body addressed (VA-06).
    #[serde(default)]
    pub body: String,
    /// An official of that body, optional (VA-06).
    #[serde(default)]
    pub official: String,
    #[serde(default)]
    pub kind: String,
    /// VA-06, for a complaint: the body or position complained about, the officials'
    /// surnames and initials, the motives, the demands.
    #[serde(default)]
    pub complaint_subject: String,
    #[serde(default)]
    pub complaint_officials: String,
    #[serde(default)]
    pub complaint_motives: String,
    #[serde(default)]
    pub complaint_demands: String,
}

/// A checked booth form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoRequest {
    pub legal_entity: bool,
    pub surname: String,
    pub name: String,
    pub patronymic: Option<String>,
    pub org_name: Option<String>,
    pub postal_address: String,
    pub email: crate::ids::Email,
    pub body_code: String,
    pub official_id: Option<i64>,
    pub kind: crate::model::AppealKind,
}

/// VA-03, VA-06: the fields of the booth's form, each with its problem.
pub fn check_video_form(f: &VideoForm) -> Result<VideoRequest, Vec<crate::appeal::FieldProblem>> {
    use crate::appeal::FieldProblem;
    let mut p = Vec::new();
    let mut need = |field: &'static str, v: &str, max: usize| {
        let v = v.trim();
        if v.is_empty() {
            p.push(FieldProblem {
                field,
                key: "appeal-field-required",
            });
        } else if v.chars().count() > max {
            p.push(FieldProblem {
                field,
                key: "appeal-field-too-long",
            });
        }
    };
    let legal_entity = f.applicant_kind == "legal_entity";
    if legal_entity {
        need("org_name", &f.org_name, 256);
    } else {
        need("surname", &f.surname, 100);
        need("name", &f.name, 100);
    }
    need("postal_address", &f.postal_address, 500);
    need("body", &f.body, 32);
    let kind = crate::model::AppealKind::parse(f.kind.trim());
    if kind.is_none() {
        need("kind", "", 0);
    }
    if kind == Some(crate::model::AppealKind::Complaint) {
        need("complaint_subject", &f.complaint_subject, 500);
        need("complaint_officials", &f.complaint_officials, 500);
        need("complaint_motives", &f.complaint_motives, 4000);
        need("complaint_demands", &f.complaint_demands, 4000);
    }
    let email = crate::ids::Email::parse(f.email.trim());
    if f.email.trim().is_empty() {
        p.push(FieldProblem {
            field: "email",
            key: "appeal-field-required",
        });
    } else if email.is_err() {
        p.push(FieldProblem {
            field: "email",
            key: "vks-email-invalid",
        });
    }
    let official_id = match f.official.trim() {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                p.push(FieldProblem {
                    field: "official",
                    key: "appeal-field-required",
                });
                None
            }
        },
    };
    match (p.is_empty(), email, kind) {
        (true, Ok(email), Some(kind)) => Ok(VideoRequest {
            legal_entity,
            surname: f.surname.trim().to_owned(),
            name: f.name.trim().to_owned(),
            patronymic: Some(f.patronymic.trim().to_owned()).filter(|x| !x.is_empty()),
            org_name: legal_entity.then(|| f.org_name.trim().to_owned()),
            postal_address: f.postal_address.trim().to_owned(),
            email,
            body_code: f.body.trim().to_owned(),
            official_id,
            kind,
        }),
        _ => Err(p),
    }
}
