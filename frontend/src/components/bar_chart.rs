//! A small horizontal bar chart in SVG (no chart library: a few rectangles).

use leptos::prelude::*;

/// Bars of `(label, value)`, scaled to the largest value.
#[component]
pub fn BarChart(bars: Vec<(String, i64)>) -> impl IntoView {
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let row = 26;
    let height = row * bars.len().max(1);
    let rows = bars
        .into_iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let y = i * row;
            let width = bar_width(value, max, 260);
            view! {
                <g>
                    <text x="0" y=y + 17 class="chart-label">{label}</text>
                    <rect x="110" y=y + 4 width=width height="18" rx="3" class="chart-bar" />
                    <text x=115 + width y=y + 17 class="chart-value">{value}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg class="chart" role="img" viewBox=format!("0 0 420 {height}") data-testid="chart">{rows}</svg>
    }
}

/// The bar's length in pixels: proportional, at least 2 px for a non-zero value.
pub fn bar_width(value: i64, max: i64, full: i64) -> i64 {
    if value <= 0 {
        0
    } else {
        (value * full / max.max(1)).max(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest() {
        assert_eq!(bar_width(10, 10, 260), 260);
        assert_eq!(bar_width(5, 10, 260), 130);
        assert_eq!(bar_width(1, 1000, 260), 2);
        assert_eq!(bar_width(0, 10, 260), 0);
    }
}
