// The file picker (templates/_file_input.html, core/forms.ChineseFileInput): shows the chosen file's name in
// Chinese beside the 选择文件 button; the browser's own text ("No file chosen") is hidden. One listener on the
// document serves pickers swapped in by htmx too. No inline script (CSP).
(() => {
  const show = (input) => {
    const name = input.closest(".file-picker")?.querySelector(".file-picker-name");
    if (!name) return;
    const files = input.files ? Array.from(input.files) : [];
    if (files.length === 0) name.textContent = "未选择文件";
    else if (files.length === 1) name.textContent = files[0].name;
    else name.textContent = `已选择 ${files.length} 个文件`;
    name.title = files.map((f) => f.name).join("、");
  };
  document.addEventListener("change", (event) => {
    if (event.target.matches?.(".file-picker-input")) show(event.target);
  });
  // A form reset empties its file inputs without a change event; a page restored from the back/forward cache
  // may keep a chosen file.
  document.addEventListener("reset", (event) => {
    setTimeout(() => event.target.querySelectorAll(".file-picker-input").forEach(show));
  });
  window.addEventListener("pageshow", () => document.querySelectorAll(".file-picker-input").forEach(show));
})();
