// Searchable pickers (core/pickers.py): the id box becomes hidden and a search box asks the list
// API (?search=) as the user types, with a short pause; choosing an answer puts its id back in
// the hidden box, which the form submits. Without this script the id box is typed in directly.
(() => {
  const DELAY = 250;

  const describe = (item) => {
    const name = item.name || item.first_name || item.username || item.code || String(item.id);
    const where = item.region_name || item.river_name || item.parent_name || "";
    return where && where !== name ? `${name}（${where}）` : name;
  };

  const setUp = (box) => {
    const idInput = box.querySelector("[data-picker-input]");
    if (!idInput || box.dataset.pickerReady) return;
    box.dataset.pickerReady = "1";
    const multiple = box.dataset.pickerMultiple === "true";
    const labels = box.querySelector(".picker-labels");
    const chosen = Array.from(labels.querySelectorAll(".picker-chosen")).map((span) => ({
      id: span.dataset.id,
      label: span.textContent,
    }));

    const search = document.createElement("input");
    search.type = "search";
    search.className = "picker-search";
    search.placeholder = idInput.placeholder;
    search.autocomplete = "off";
    search.setAttribute("role", "combobox");
    search.setAttribute("aria-expanded", "false");
    search.setAttribute("aria-autocomplete", "list");
    if (idInput.id) {
      search.id = idInput.id;
      idInput.removeAttribute("id");
    }
    const list = document.createElement("ul");
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    list.id = `${search.id || idInput.name}-picker-list`;
    search.setAttribute("aria-controls", list.id);

    idInput.type = "hidden";
    idInput.removeAttribute("placeholder");
    box.insertBefore(search, labels);
    box.appendChild(list);

    const chips = () => {
      labels.replaceChildren();
      if (!multiple) {
        labels.hidden = true;
        return;
      }
      chosen.forEach((entry, index) => {
        const chip = document.createElement("button");
        chip.type = "button";
        chip.className = "picker-chip";
        chip.textContent = `${entry.label} ×`;
        chip.title = box.dataset.pickerClear;
        chip.addEventListener("click", () => {
          chosen.splice(index, 1);
          sync();
        });
        labels.appendChild(chip);
      });
    };
    const sync = () => {
      idInput.value = chosen.map((entry) => entry.id).join(",");
      if (!multiple) search.value = chosen.length ? chosen[0].label : "";
      chips();
    };
    sync();

    let timer = null;
    let controller = null;
    let active = -1;
    let answers = [];

    const close = () => {
      list.hidden = true;
      search.setAttribute("aria-expanded", "false");
      active = -1;
    };
    const highlight = (index) => {
      const items = list.querySelectorAll("[role=option]");
      items.forEach((item, i) => item.setAttribute("aria-selected", i === index ? "true" : "false"));
      active = index;
      if (items[index]) items[index].scrollIntoView({ block: "nearest" });
    };
    const choose = (item) => {
      const entry = { id: String(item.id), label: describe(item) };
      if (multiple) {
        if (!chosen.some((c) => c.id === entry.id)) chosen.push(entry);
        search.value = "";
      } else {
        chosen.splice(0, chosen.length, entry);
      }
      sync();
      close();
    };
    const show = (items) => {
      answers = items;
      list.replaceChildren();
      if (!items.length) {
        const none = document.createElement("li");
        none.className = "picker-none";
        none.textContent = box.dataset.pickerEmpty;
        list.appendChild(none);
      }
      items.forEach((item) => {
        const option = document.createElement("li");
        option.setAttribute("role", "option");
        option.textContent = describe(item);
        option.addEventListener("mousedown", (event) => {
          event.preventDefault();
          choose(item);
        });
        list.appendChild(option);
      });
      list.hidden = false;
      search.setAttribute("aria-expanded", "true");
      active = -1;
    };
    const ask = async (text) => {
      if (controller) controller.abort();
      controller = new AbortController();
      const query = new URLSearchParams(box.dataset.pickerParams || "");
      query.set("search", text);
      query.set("page_size", box.dataset.pickerResults || "20");
      try {
        const response = await fetch(`${box.dataset.pickerUrl}?${query}`, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
          signal: controller.signal,
        });
        if (!response.ok) return;
        const body = await response.json();
        show(Array.isArray(body) ? body : body.results || []);
      } catch (error) {
        if (error.name !== "AbortError") close();
      }
    };

    search.addEventListener("input", () => {
      const text = search.value.trim();
      if (!multiple && chosen.length && search.value !== chosen[0].label) {
        chosen.splice(0, chosen.length);
        idInput.value = "";
      }
      clearTimeout(timer);
      if (!text) {
        close();
        return;
      }
      timer = setTimeout(() => ask(text), DELAY);
    });
    search.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(Math.min(active + 1, answers.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(answers[active]);
      } else if (event.key === "Escape") {
        close();
      }
    });
    search.addEventListener("blur", () => setTimeout(close, 150));
  };

  const start = () => document.querySelectorAll(".picker").forEach(setUp);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
