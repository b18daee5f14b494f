//! Text tables that fit the terminal: columns padded to their widest cell when there is room,
//! long cells wrapped when there is not, one record per block when even that is unreadable.

use super::output::Shown;
use std::io::IsTerminal as _;

/// A column is never narrowed below this many characters (fewer than its natural width, that
/// is): a table that does not fit with its columns this wide is printed as records instead.
const MIN_READABLE: usize = 8;

/// A column narrows to its longest word, but no further than this: a long URL is cut instead.
const MAX_FLOOR: usize = 24;

/// Between two columns.
const GAP: &str = "  ";

/// The width tables must fit: for a terminal, `COLUMNS` if it holds a positive number, else the
/// terminal's width. `None` when standard output is not a terminal (a pipe, a file): there the
/// table keeps its full width, one line per row, for `grep` and `cut`.
pub fn terminal_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let from_env = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0);
    from_env.or_else(|| {
        console::Term::stdout()
            .size_checked()
            .map(|(_rows, cols)| usize::from(cols))
            .filter(|&c| c > 0)
    })
}

/// A table for standard output, fitted to [`terminal_width`].
/// Cells are data: they are [`Shown`] escaped before they are measured.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| Shown(c).to_string()).collect())
        .collect();
    fit(header, &rows, terminal_width())
}

/// A table no wider than `max_width` characters where that is readable: at full width when it
/// fits (or when `max_width` is `None`), else with the widest columns narrowed and their cells
/// wrapped at spaces, else (when the columns cannot narrow enough, see [`narrowed`]) as one
/// block of `header  value` lines per row. No cell's text is ever dropped.
pub fn fit(header: &[&str], rows: &[Vec<String>], max_width: Option<usize>) -> String {
    let natural: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| width(c))
                .chain([width(header[i])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let Some(max) = max_width else {
        return grid(header, rows, &natural);
    };
    let budget = max.saturating_sub(GAP.len() * header.len().saturating_sub(1));
    if natural.iter().sum::<usize>() <= budget {
        return grid(header, rows, &natural);
    }
    match narrowed(header, rows, &natural, budget) {
        Some(widths) => grid(header, rows, &widths),
        None => records(header, rows, max),
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// Column widths summing to at most `budget`: every column keeps its natural width up to a
/// common cap, the cap as high as the budget allows, the remainder given to the first capped
/// columns. A column never narrows below its floor (its longest word, at least [`MIN_READABLE`]
/// and at most [`MAX_FLOOR`]), so that words are not cut; None if the floors do not fit.
fn narrowed(
    header: &[&str],
    rows: &[Vec<String>],
    natural: &[usize],
    budget: usize,
) -> Option<Vec<usize>> {
    let floors: Vec<usize> = natural
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let longest_word = rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(String::as_str)
                .chain([header[i]])
                .flat_map(|c| c.split(' '))
                .map(width)
                .max()
                .unwrap_or(0);
            n.min(longest_word.clamp(MIN_READABLE, MAX_FLOOR))
        })
        .collect();
    let at = |cap: usize| -> Vec<usize> {
        natural
            .iter()
            .zip(&floors)
            .map(|(&n, &f)| n.min(cap).max(f))
            .collect()
    };
    let widest = natural.iter().copied().max().unwrap_or(0);
    let cap = (0..=widest)
        .rev()
        .find(|&c| at(c).iter().sum::<usize>() <= budget)?;
    let mut widths = at(cap);
    let mut spare = budget - widths.iter().sum::<usize>();
    for (w, &n) in widths.iter_mut().zip(natural) {
        if spare == 0 {
            break;
        }
        if n > *w {
            *w += 1;
            spare -= 1;
        }
    }
    Some(widths)
}

/// Columns of the given widths; a cell longer than its column wraps onto the next lines.
fn grid(header: &[&str], rows: &[Vec<String>], widths: &[usize]) -> String {
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    for row in [&header, &rule].into_iter().chain(rows) {
        let cells: Vec<Vec<String>> = widths
            .iter()
            .enumerate()
            .map(|(i, &w)| wrap(row.get(i).map(String::as_str).unwrap_or(""), w))
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        for line in 0..height {
            let mut s = String::new();
            for (i, cell) in cells.iter().enumerate() {
                let text = cell.get(line).map(String::as_str).unwrap_or("");
                if i > 0 {
                    s.push_str(GAP);
                }
                s.push_str(text);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(widths[i].saturating_sub(width(text))));
                }
            }
            out.push_str(s.trim_end());
            out.push('\n');
        }
    }
    out
}

/// One block per row: each header beside its value (values wrapped to the width left), blocks
/// separated by a blank line.
fn records(header: &[&str], rows: &[Vec<String>], max: usize) -> String {
    let label = header.iter().map(|h| width(h)).max().unwrap_or(0);
    let value_width = max.saturating_sub(label + GAP.len()).max(MIN_READABLE);
    let mut out = String::new();
    for (n, row) in rows.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        for (i, h) in header.iter().enumerate() {
            let value = row.get(i).map(String::as_str).unwrap_or("");
            for (k, line) in wrap(value, value_width).iter().enumerate() {
                let name = if k == 0 { *h } else { "" };
                let pad = " ".repeat(label - width(name));
                out.push_str(format!("{name}{pad}{GAP}{line}").trim_end());
                out.push('\n');
            }
        }
    }
    out
}

/// `text` in lines of at most `w` characters, broken at spaces where possible; a word longer
/// than `w` is cut. Always at least one (possibly empty) line.
fn wrap(text: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    if width(text) <= w {
        return vec![text.to_string()];
    }
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        let sep = usize::from(!line.is_empty());
        if width(&line) + sep + word.len() <= w {
            if sep == 1 {
                line.push(' ');
            }
            line.extend(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        while word.len() > w {
            lines.push(word.drain(..w).collect());
        }
        line = word.into_iter().collect();
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(
            wrap("final training run at $2", 10),
            ["final", "training", "run at $2"]
        );
        assert_eq!(wrap("count:H800abc", 5), ["count", ":H800", "abc"]);
        assert_eq!(wrap("", 5), [""]);
    }
}
