// Evaluated in each book page by conftest.py once the page has loaded: waits for MathJax
// and for every image, then returns plain facts (JSON) for the Python tests to check.
async () => {
  const main = document.querySelector("main") || document.body;
  const article = document.querySelector("article") || main;

  // Images: load lazy ones too, then wait until each one has finished (or failed).
  const images = Array.from(document.images);
  images.forEach((img) => { img.loading = "eager"; });
  await Promise.all(images.map((img) => img.complete ? null : new Promise((done) => {
    img.addEventListener("load", done, { once: true });
    img.addEventListener("error", done, { once: true });
    setTimeout(done, 15000);
  })));

  // Math: wait until MathJax (if the page loads it) has typeset everything.
  const mathElements = Array.from(document.querySelectorAll(".math"));
  if (mathElements.length) {
    for (let i = 0; i < 600 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++) {
      await new Promise((done) => setTimeout(done, 100));
    }
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      await MathJax.startup.promise;
    }
  }

  // Visible prose: text nodes outside code, scripts and typeset math.
  const skip = "pre, code, script, style, .highlight, .cell_input, mjx-container, noscript";
  const visibleText = [];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (!parent || parent.closest(skip) || !parent.getClientRects().length) continue;
    if (getComputedStyle(parent).visibility === "hidden") continue;
    visibleText.push(walker.currentNode.textContent);
  }

  const describe = (el) => {
    const id = el.id ? `#${el.id}` : "";
    const cls = el.className && typeof el.className === "string"
      ? "." + el.className.trim().split(/\s+/).join(".") : "";
    return `${el.tagName.toLowerCase()}${id}${cls}`.slice(0, 120);
  };

  // Layout: anything wider than the article that no scrolling container clips.
  const articleRight = article.getBoundingClientRect().right;
  const clipped = (el) => {
    for (let node = el.parentElement; node && node !== article; node = node.parentElement) {
      const overflowX = getComputedStyle(node).overflowX;
      if (overflowX !== "visible") return true;
    }
    return false;
  };
  const overflowing = Array.from(article.querySelectorAll("table, img, pre, .cell_output, mjx-container, figure, svg"))
    .filter((el) => !el.closest(".margin, .sidebar, .full-width, aside"))  // meant to stick out
    .filter((el) => el.getBoundingClientRect().right > articleRight + 2 && !clipped(el))
    .map(describe);

  const cells = Array.from(document.querySelectorAll("div.cell")).map((cell) => {
    const output = cell.querySelector(".cell_output");
    // Widget views are <script> tags: with no widget JavaScript (offline) they show nothing.
    const outputs = output ? Array.from(output.children).filter((el) => !el.matches("script, style")) : [];
    return {
      classes: cell.className,
      outputCount: outputs.length,
      outputText: output ? output.innerText.slice(0, 2000) : "",
      outputs: outputs.map((el) => ({
        classes: el.className && typeof el.className === "string" ? el.className : "",
        lines: Math.max(0, ...Array.from(el.querySelectorAll("pre")).map((pre) => pre.innerText.split("\n").length)),
        height: Math.round(el.getBoundingClientRect().height),
      })),
    };
  });

  const link = (selector) => Array.from(document.querySelectorAll(selector)).map((a) => a.href);

  return {
    title: document.title,
    visibleText: visibleText.join(" "),
    math: {
      elements: mathElements.length,
      untypeset: mathElements.filter((el) => !el.querySelector("mjx-container")).map((el) => el.textContent.slice(0, 80)),
      errors: Array.from(document.querySelectorAll("mjx-merror")).map((el) => el.getAttribute("data-mjx-error") || el.textContent),
      mathjaxLoaded: Boolean(window.MathJax && window.MathJax.version),
    },
    images: images.map((img) => ({
      src: img.currentSrc || img.src,
      alt: img.getAttribute("alt"),
      naturalWidth: img.naturalWidth,
      renderedWidth: Math.round(img.getBoundingClientRect().width),
      visible: img.getClientRects().length > 0,
    })),
    cells,
    errorOutputs: Array.from(document.querySelectorAll(".cell_output .traceback, .cell_output .output.error, .cell_output .output.stderr"))
      .map((el) => ({ classes: el.className, text: el.innerText.slice(0, 500) })),
    // The theme's launch button only: a page's own content may link exercises through nbgitpuller too.
    launchLinks: link(".dropdown-launch-buttons a[href*='git-pull']"),
    notebookDownloads: link("a.btn-download-notebook-button"),
    layout: {
      pageScrollWidth: document.documentElement.scrollWidth,
      viewportWidth: document.documentElement.clientWidth,
      overflowing,
    },
  };
}
