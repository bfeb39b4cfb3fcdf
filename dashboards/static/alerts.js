// The alerts inbox: "select all" on the page, and the bulk buttons on only with a selection.
(function () {
  const form = document.querySelector("form.alert-bulk");
  if (!form) return;
  const all = form.querySelector("[data-select-all]");
  const boxes = Array.from(form.querySelectorAll("input[name=ids]"));
  const buttons = form.querySelectorAll("[data-bulk]");
  const label = form.querySelector("[data-selected-count]");
  const prompt = label.textContent;

  function refresh() {
    const chosen = boxes.filter((box) => box.checked).length;
    buttons.forEach((button) => { button.disabled = chosen === 0; });
    all.checked = chosen > 0 && chosen === boxes.length;
    all.indeterminate = chosen > 0 && chosen < boxes.length;
    label.textContent = chosen ? chosen + " selected:" : prompt;
  }

  all.addEventListener("change", () => {
    boxes.forEach((box) => { box.checked = all.checked; });
    refresh();
  });
  boxes.forEach((box) => box.addEventListener("change", refresh));
  refresh();
})();
