// One page layout with its stylesheet inline: the site works from a file:// URL or any static host.
const STYLE = `
body { font: 17px/1.55 system-ui, sans-serif; margin: 0; color: #1d2330; }
header { background: #1d2330; color: #fff; padding: .6rem 1.5rem; }
header a { color: #fff; margin-right: 1.2rem; text-decoration: none; }
main { max-width: 52rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
@media (max-width: 600px) { main { padding: .5rem 1rem 3rem; } body { font-size: 16px; } pre.code { font-size: 13px; } }
pre.code { background: #f4f5f8; padding: .8rem 1rem; overflow-x: auto; border-radius: 6px; font-size: 15px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
/* Wide tables scroll inside their own box; long labels and paths in text and cells wrap anywhere. */
table { border-collapse: collapse; margin: 1rem 0; display: block; max-width: 100%; overflow-x: auto; }
main { overflow-wrap: break-word; }
:not(pre) > code { overflow-wrap: anywhere; }
/* Cells keep a readable width and the table scrolls, rather than squeezing words into a column. */
td { min-width: 9rem; } td:first-child { min-width: 3rem; }
header { display: flex; flex-wrap: wrap; gap: .2rem 0; }
th, td { border-bottom: 1px solid #dde; padding: .35rem .7rem; text-align: left; vertical-align: top; }
blockquote { margin: 1rem 0; padding: .5rem 1rem; border-left: 4px solid #99a; background: #f7f7fa; }
blockquote.callout.tip, blockquote.callout.note { border-color: #2a8a4a; background: #eef8f0; }
blockquote.callout.warning { border-color: #c77800; background: #fff6e6; }
figure { margin: 1.5rem 0; } figure img { max-width: 100%; }
.hl-comment { color: #6a737d; } .hl-string { color: #0a6d3a; } .hl-keyword { color: #8a2be2; }
.hl-number { color: #b35900; } .hl-key { color: #1558b0; }
.pager { display: flex; justify-content: space-between; margin-top: 3rem; }
`;

export function page({ title, root, body }: { title: string; root: string; body: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title.replace(/</g, '&lt;')}</title>
<style>${STYLE}</style>
</head>
<body>
<header><a href="${root}index.html"><strong>Scaling WebSockets</strong></a><a href="${root}instructor-guide.html">Instructor guide</a><a href="${root}troubleshooting.html">Troubleshooting</a></header>
<main>
${body}
</main>
</body>
</html>
`;
}
