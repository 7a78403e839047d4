/* 登记家庭: shows the registration form one step at a time, members one at a time.
   Without this script every step shows, as one long form; the server checks everything either way. */
(function () {
  "use strict";
  var form = document.querySelector("form.steps");
  if (!form) { return; }
  var steps = Array.prototype.slice.call(form.querySelectorAll(".step"));
  var bar = form.querySelector(".stepbar");
  var current = 1;

  function all(root, selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }
  function field(root, suffix) { return root.querySelector("[name$='" + suffix + "']"); }
  function optionText(select) {
    return select && select.selectedIndex >= 0 && select.value ? select.options[select.selectedIndex].text : "";
  }
  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (cls) { el.className = cls; }
    return el;
  }

  function show(n, focus) {
    current = n;
    steps.forEach(function (s) { s.hidden = Number(s.dataset.step) !== n; });
    all(bar, "li").forEach(function (li) {
      var k = Number(li.dataset.goto);
      li.classList.toggle("current", k === n);
      li.classList.toggle("done", k < n);
      if (k === n) { li.setAttribute("aria-current", "step"); } else { li.removeAttribute("aria-current"); }
    });
    if (n === 3) { refreshMemberChoices(); }
    if (n === 5) { review(); }
    var step = steps[n - 1];
    if (focus) {
      step.scrollIntoView({block: "start"});
      var first = step.querySelector("[aria-invalid=true]") || step.querySelector(".has-error input, .has-error select");
      if (first) { first.focus(); }
    }
  }

  // ---- Members: one open at a time; a filled one folds into a summary line ----------------------------
  var members = all(form, "fieldset.member");

  function memberFilled(m) { return field(m, "_name").value.trim() !== "" || field(m, "_id_number").value.trim() !== ""; }
  function memberVisible(m) { return !m.hidden; }

  function fold(m) {
    var name = field(m, "_name").value.trim();
    var number = field(m, "_id_number").value.trim();
    var summary = m.querySelector(".summary");
    summary.textContent = [name || "（未填姓名）", optionText(field(m, "_relation")) || "关系未选", number].join(" · ");
    summary.hidden = false;
    m.querySelector(".member-fields").hidden = true;
    m.querySelector("[data-member-done]").hidden = true;
    m.querySelector("[data-member-edit]").hidden = false;
    m.classList.add("folded");
  }

  function unfold(m) {
    members.forEach(function (other) {
      if (other !== m && memberVisible(other) && !other.classList.contains("folded") && memberFilled(other)) {
        fold(other);
      }
    });
    m.hidden = false;
    m.querySelector(".summary").hidden = true;
    m.querySelector(".member-fields").hidden = false;
    m.querySelector("[data-member-done]").hidden = false;
    m.querySelector("[data-member-edit]").hidden = true;
    m.classList.remove("folded");
    updateAddMember();
  }

  function finish(m) {
    var name = field(m, "_name"), number = field(m, "_id_number");
    var missing = !name.value.trim() ? name : (!number.value.trim() ? number : null);
    if (missing) {
      missing.required = true;
      missing.reportValidity();
      missing.required = false;
      return false;
    }
    fold(m);
    return true;
  }

  function clearMember(m) {
    all(m, "input").forEach(function (input) { input.value = ""; });
    all(m, "select").forEach(function (select) { select.selectedIndex = 0; });
    all(m, ".error").forEach(function (e) { e.remove(); });
    m.classList.remove("has-error", "folded");
  }

  function updateAddMember() {
    var add = form.querySelector("[data-add-member]");
    add.hidden = !members.some(function (m) { return m.hidden; });
  }

  members.forEach(function (m, i) {
    m.querySelector(".memberbar").hidden = false;
    m.querySelector("[data-member-done]").addEventListener("click", function () { finish(m); updateAddMember(); });
    m.querySelector("[data-member-edit]").addEventListener("click", function () { unfold(m); });
    var remove = m.querySelector("[data-member-remove]");
    if (remove) {
      remove.addEventListener("click", function () {
        clearMember(m);
        m.hidden = true;
        updateAddMember();
      });
    }
    if (i > 0 && !m.hasAttribute("data-filled")) { m.hidden = true; }
    else if (memberFilled(m) && !m.classList.contains("has-error")) { fold(m); }
  });
  form.querySelector("[data-add-member]").addEventListener("click", function () {
    var open = members.filter(function (m) { return memberVisible(m) && !m.classList.contains("folded"); });
    for (var k = 0; k < open.length; k += 1) {
      if (memberFilled(open[k]) && !finish(open[k])) { return; }
    }
    var next = members.filter(function (m) { return m.hidden; })[0];
    if (next) {
      unfold(next);
      field(next, "_name").focus();
    }
  });
  updateAddMember();

  function refreshMemberChoices() {
    all(form, "select[data-member-select]").forEach(function (select) {
      all(select, "option").forEach(function (option) {
        if (!option.value) { return; }
        var m = members[Number(option.value)];
        var name = field(m, "_name").value.trim();
        option.hidden = option.disabled = m.hidden || !memberFilled(m);
        option.textContent = "第 " + (Number(option.value) + 1) + " 位成员" + (name ? " " + name : "");
      });
    });
  }

  // ---- Rows of steps 3 and 4: the filled ones and one empty; "再添" shows the next -----------------
  all(form, "[data-add-row]").forEach(function (button) {
    var rows = all(form, "fieldset." + button.dataset.addRow);
    var firstEmpty = true;
    rows.forEach(function (row) {
      if (row.hasAttribute("data-filled")) { return; }
      if (firstEmpty) { firstEmpty = false; return; }
      row.hidden = true;
    });
    function update() { button.hidden = !rows.some(function (r) { return r.hidden; }); }
    button.addEventListener("click", function () {
      var next = rows.filter(function (r) { return r.hidden; })[0];
      if (next) {
        next.hidden = false;
        var control = next.querySelector("select, input");
        if (control) { control.focus(); }
      }
      update();
    });
    update();
  });

  // ---- Step 5: what will be saved ----------------------------------------------------------------------
  function review() {
    var box = form.querySelector(".review");
    box.textContent = "";
    box.hidden = false;
    var dl = document.createElement("dl");
    dl.className = "facts";
    function fact(label, value) { dl.appendChild(text("dt", label)); dl.appendChild(text("dd", value || "未填")); }
    var village = form.querySelector("[name=region_code]");
    var group = village.selectedIndex > 0 ? village.options[village.selectedIndex].parentNode.label : "";
    fact("所在村（社区）", village.value ? group + " " + optionText(village) : "");
    fact("住址", form.querySelector("[name=address]").value.trim());
    fact("户籍类型", optionText(form.querySelector("[name=hukou_type]")));
    var people = members.filter(function (m) { return !m.hidden && memberFilled(m); }).map(function (m) {
      return field(m, "_name").value.trim() + "（" + (optionText(field(m, "_relation")) || "关系未选") + "）";
    });
    fact("家庭成员", people.length ? people.length + " 人：" + people.join("、") : "");
    var means = all(form, "fieldset.means-row").filter(function (r) {
      return !r.hidden && (field(r, "_kind").value || field(r, "_amount").value.trim());
    }).map(function (r) {
      var who = field(r, "_member");
      var period = field(r, "_period_start").value ? " " + field(r, "_period_start").value + " 至 " +
        field(r, "_period_end").value : "";
      return (optionText(field(r, "_kind")) || "类型未选") + " " + field(r, "_amount").value.trim() + " 元" + period +
        "（" + (who.value ? optionText(who) : "全户") + "）";
    });
    fact("收入与财产", means.length ? means.join("；") : "不登记");
    var docs = all(form, "fieldset.doc-row").filter(function (r) {
      return !r.hidden && field(r, "_file").files.length;
    }).map(function (r) {
      return (optionText(field(r, "_kind")) || "类型未选") + "：" + field(r, "_file").files[0].name;
    });
    fact("材料", docs.length ? docs.join("；") : "不上传");
    box.appendChild(dl);
  }

  // ---- Navigation -------------------------------------------------------------------------------------
  function stepValid(n) {
    var step = steps[n - 1];
    if (n === 1) {
      var controls = all(step, "[required]");
      for (var k = 0; k < controls.length; k += 1) {
        if (!controls[k].checkValidity()) { controls[k].reportValidity(); return false; }
      }
    }
    if (n === 2) {
      var open = members.filter(function (m) { return memberVisible(m) && !m.classList.contains("folded"); });
      for (var j = 0; j < open.length; j += 1) {
        if ((memberFilled(open[j]) || open[j] === members[0]) && !finish(open[j])) { return false; }
      }
      updateAddMember();
    }
    return true;
  }
  all(form, "[data-next]").forEach(function (b) {
    b.addEventListener("click", function () { if (stepValid(current)) { show(current + 1, true); } });
  });
  all(form, "[data-prev]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { show(current - 1, true); });
  });
  all(form, ".stepnav").forEach(function (nav) { nav.hidden = false; });
  all(bar, "li").forEach(function (li) {
    li.addEventListener("click", function () {
      var k = Number(li.dataset.goto);
      if (k < current || (k === current + 1 && stepValid(current))) { show(k, true); }
    });
  });
  bar.hidden = false;
  form.classList.add("stepped");
  var start = Number(form.dataset.start) || 1;
  show(start, start > 1);
  if (start > 1) {
    var wrong = members.filter(function (m) { return m.classList.contains("has-error"); })[0];
    if (wrong) { unfold(wrong); }
  }
}());
