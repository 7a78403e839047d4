// The review page's thumbnails, one after another: each is an audited read of a person's photo (one write per
// photo), and a burst of them in parallel is what SQLite's shared-cache test database refuses ("table is locked").
(function () {
  const images = Array.from(document.querySelectorAll("img[data-src]"));
  function load(i) {
    if (i >= images.length) return;
    const img = images[i];
    img.addEventListener("load", () => load(i + 1), { once: true });
    img.addEventListener("error", () => load(i + 1), { once: true });
    img.src = img.dataset.src;
  }
  load(0);
})();
