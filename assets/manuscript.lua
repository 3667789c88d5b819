--[[
Project filter of the manuscript (listed under `filters:` in _quarto.yml), for every format.

1. Provenance. Under every table and figure embedded from a notebook ({{< embed nb.ipynb#label >}})
   it adds one line naming the notebook and the cell that computed it. In HTML the line links to that
   cell on the notebook's page of the manuscript website; in DOCX, PDF and JATS it names the notebook
   file and the cell label, since those files travel without the website. (Quarto's own inline
   "Source" links under embeds do not appear with Quarto 1.10, so the project adds its own.)

2. HTML styles and long tables. A small stylesheet (assets/manuscript.css: notes under tables, the
   provenance line) and Grid.js (assets/vendor/gridjs) are declared as HTML dependencies, so that
   Quarto copies it once into the site's libraries and every page - article, supplement and notebook
   pages alike - loads it from the right relative path; assets/long-tables.html, which turns long
   tables into searchable, paged grids, is included after the body.

The embed shortcode leaves a div of class `quarto-embed-nb-cell` with the attributes `notebook`
(the notebook's path), `notebook-title` and `notebook-cellId` (`cell-<label>`); the filter runs
after Quarto's own filters (`at: post-quarto`), when those divs exist.
]]

local function project_relative(path)
  local dir = quarto.project.directory
  if dir and path:sub(1, #dir + 1) == dir .. "/" then
    return path:sub(#dir + 2)
  end
  return path
end

-- The manuscript website's page for a notebook: notebooks/05_x.ipynb -> notebooks/05_x-preview.html
local function preview_page(notebook)
  return (notebook:gsub("%.ipynb$", "-preview.html"))
end

local function source_line(div)
  local notebook = div.attributes["notebook"]
  local cell = div.attributes["notebook-cellId"]
  if not notebook or not cell then
    return nil
  end
  notebook = project_relative(notebook)
  local label = cell:gsub("^cell%-", "")
  local name = notebook:match("([^/]+)$")
  local inlines
  if quarto.doc.is_format("html") then
    local title = div.attributes["notebook-title"] or name
    inlines = {
      pandoc.Str("Computed in "),
      pandoc.Link({ pandoc.Str(title) }, preview_page(notebook) .. "#" .. label, "",
        { class = "source-notebook-link" }),
      pandoc.Str(" (cell "), pandoc.Code(label), pandoc.Str(")."),
    }
  else
    inlines = {
      pandoc.Str("Computed in "), pandoc.Code(notebook), pandoc.Str(", cell "), pandoc.Code(label),
      pandoc.Str("."),
    }
  end
  return pandoc.Div(pandoc.Para(inlines), { class = "source-notebook" })
end

local function add_html_assets()
  if not quarto.doc.is_format("html") then
    return
  end
  quarto.doc.add_html_dependency({
    name = "gridjs",
    version = "6.2.0",
    scripts = { "vendor/gridjs/gridjs.umd.js" },
    stylesheets = { "vendor/gridjs/mermaid.min.css" },
  })
  quarto.doc.add_html_dependency({ name = "manuscript", version = "1", stylesheets = { "manuscript.css" } })
  quarto.doc.include_file("after-body", "long-tables.html")
end

return {
  {
    Meta = function(meta)
      add_html_assets()
      return meta
    end,
  },
  {
    Div = function(div)
      if not div.classes:includes("quarto-embed-nb-cell") then
        return nil
      end
      local line = source_line(div)
      if line then
        div.content:insert(line)
        return div
      end
    end,
  },
}
