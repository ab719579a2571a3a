//! Binding of `dedup_core::jsonl`: the plain lines of a block of JSON Lines, parsed without the GIL.

use dedup_core::jsonl::{self, Id, Line};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

/// Kinds of a line, as `dedup.io` reads them.
const RECORD: u8 = 0;
const BLANK: u8 = 1;
const OTHER: u8 = 2;
const OVER: u8 = 3;

/// The complete lines of `data` (see `dedup_core::jsonl::parse_lines`): `(kinds, ends, ids, texts, used)`.
///
/// `kinds` has one byte per line (0 a record, 1 blank, 2 for Python to read, 3 over `max_bytes`),
/// `ends` each line's end offset (after its newline), `ids` and `texts` one value per record, and
/// `used` the bytes the lines take (the rest starts the next line, unless `eof`).
#[pyfunction]
#[pyo3(signature = (data, eof, max_bytes, id_field, text_fields, join))]
fn jsonl_block<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyBytes>,
    eof: bool,
    max_bytes: Option<usize>,
    id_field: &str,
    text_fields: Vec<String>,
    join: &str,
) -> PyResult<(Bound<'py, PyBytes>, Vec<usize>, Bound<'py, PyList>, Bound<'py, PyList>, usize)> {
    let bytes = data.as_bytes();
    let fields: Vec<&str> = text_fields.iter().map(String::as_str).collect();
    let (lines, used) = py.detach(|| jsonl::parse_lines(bytes, eof, max_bytes, id_field, &fields, join));
    let mut kinds = Vec::with_capacity(lines.len());
    let mut ends = Vec::with_capacity(lines.len());
    let ids = PyList::empty(py);
    let texts = PyList::empty(py);
    for p in lines {
        ends.push(p.end);
        kinds.push(match p.line {
            _ if p.over => OVER,
            Line::Blank => BLANK,
            Line::Other => OTHER,
            Line::Record { id, text } => {
                match id {
                    Id::Str(s) => ids.append(s)?,
                    Id::Int(i) => ids.append(i)?,
                }
                texts.append(text)?;
                RECORD
            }
        });
    }
    Ok((PyBytes::new(py, &kinds), ends, ids, texts, used))
}

/// Add this module's functions to `dedup._core`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(jsonl_block, m)?)?;
    Ok(())
}
