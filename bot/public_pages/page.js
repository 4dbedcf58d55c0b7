// The quarter's results, from the JSON beside this script: searchable by name or credit code,
// filterable by county and result. Text only (textContent), never markup from the data.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var labels = data.labels;
  var search = document.getElementById("search");
  var county = document.getElementById("county");
  var category = document.getElementById("category");
  var count = document.getElementById("count");
  var empty = document.getElementById("empty");
  var table = document.getElementById("result-table");

  function fold(text) {
    return String(text).normalize("NFKC").toLowerCase();
  }

  function fill(select, values) {
    [""].concat(values).forEach(function (value) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = value === "" ? labels.all : value;
      select.appendChild(option);
    });
  }

  search.placeholder = labels.search;
  search.setAttribute("aria-label", labels.search);
  document.getElementById("county-label").textContent = labels.county;
  document.getElementById("category-label").textContent = labels.category;
  empty.textContent = labels.none;
  fill(county, data.counties);
  fill(category, data.categories);

  var headRow = document.createElement("tr");
  data.columns.forEach(function (name) {
    var th = document.createElement("th");
    th.textContent = name;
    headRow.appendChild(th);
  });
  table.tHead.appendChild(headRow);

  var body = table.tBodies[0];
  var rows = data.rows.map(function (row) {
    var tr = document.createElement("tr");
    row.forEach(function (value, i) {
      var td = document.createElement("td");
      td.textContent = value;
      td.setAttribute("data-label", data.columns[i]);
      if (String(value).length <= data.short || /^[\x20-\x7e]*$/.test(value)) {
        td.className = "short";
      }
      tr.appendChild(td);
    });
    body.appendChild(tr);
    return {
      tr: tr,
      text: data.searched.map(function (i) { return fold(row[i]); }).join("\n"),
      county: row[data.countyColumn],
      category: row[data.categoryColumn]
    };
  });

  function apply() {
    var query = fold(search.value.trim());
    var shown = 0;
    rows.forEach(function (row) {
      var visible = (query === "" || row.text.indexOf(query) !== -1) &&
        (county.value === "" || row.county === county.value) &&
        (category.value === "" || row.category === category.value);
      row.tr.hidden = !visible;
      if (visible) { shown += 1; }
    });
    count.textContent = labels.count.replace("{shown}", shown).replace("{total}", rows.length);
    empty.hidden = shown > 0;
  }

  search.addEventListener("input", apply);
  county.addEventListener("change", apply);
  category.addEventListener("change", apply);
  apply();
}());
