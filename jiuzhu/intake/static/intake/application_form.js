// 一表登记: ticking an item opens its materials, unticking folds them (without script every item's materials
// stay reachable behind their own 所需材料 summary, so the form works the same).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll('input[name="items"]').forEach((box) => {
    box.addEventListener("change", () => {
      const details = box.closest(".item-choice")?.querySelector("details");
      if (details) details.open = box.checked;
    });
  });
});
