--[[
Project filter of the manuscript (listed under `filters:` in _quarto.yml), for every format.

1. Provenance. Under every table and figure embedded from a notebook ({{< embed nb.ipynb#label >}})
   it adds one line naming the notebook and the cell that computed it. In HTML the line links to that
   cell on the notebook's page of the manuscript website (the article's page, from the supplement
   too); in DOCX, PDF and JATS it names the notebook file and the cell label, since those files
   travel without the website. (Quarto's own inline
   "Source" links under embeds do not appear with Quarto 1.10, so the project adds its own.)

2. HTML styles and long tables. A small stylesheet (assets/manuscript.css: the text face, notes under
   tables, the provenance line, tables that scroll inside their box) with the fonts it names
   (assets/fonts) and Grid.js (assets/vendor/gridjs) are declared as HTML dependencies, so that
   Quarto copies it once into the site's libraries and every page - article, supplement and notebook
   pages alike - loads it from the right relative path; assets/long-tables.html, which turns long
   tables into searchable, paged grids, is included after the body.

3. Figures and their source line in print. In the PDF (Typst) the line naming the notebook goes inside
   the table or figure (after a table, under a figure's caption), so that it stays with its item when
   Typst moves a figure to the top or bottom of a page (assets/typst.typ). Figures are scaled to fit
   the page's text block with room for the caption (PDF and DOCX), and the DOCX takes the 300-dpi PNG
   that the notebook stores beside the SVG (the HTML pages and the PDF take the SVG).

4. Typography. An apostrophe inside a word ("al.'s") is written as one (U+2019), so that no format
   turns it into an opening quote; the keywords are printed under the abstract in DOCX and PDF (HTML
   shows them in the title block, JATS in <kwd-group>).

The embed shortcode leaves a div of class `quarto-embed-nb-cell` with the attributes `notebook`
(the notebook's path), `notebook-title` and `notebook-cellId` (`cell-<label>`); the filter runs
after Quarto's own filters (`at: post-quarto`), when those divs exist.
]]

local function notebook_label(div)
  local cell = div.attributes["notebook-cellId"]
  return cell and (cell:gsub("^cell%-", "")) or nil
end

local function project_relative(path)
  local dir = quarto.project.directory
  if dir and path:sub(1, #dir + 1) == dir .. "/" then
    return path:sub(#dir + 2)
  end
  return path
end

-- Where the notebooks' pages are, relative to the page being rendered: "" for the article, whose render
-- writes them (notebooks/05_x-preview.html beside index.html), "../" for a document rendered with a
-- profile into a folder of the article's site (manuscript-documents in _quarto.yml: the supplement,
-- supplement/index.html), which makes no notebook pages of its own and links to the article's.
local pages_prefix = ""

local function set_pages_prefix(meta)
  local profile = (quarto.project.profile or {})[1]
  for _, item in ipairs(meta["manuscript-documents"] or {}) do
    if item["profile"] and profile and pandoc.utils.stringify(item["profile"]) == profile then
      local page = pandoc.utils.stringify(item["page"])
      pages_prefix = string.rep("../", select(2, page:gsub("/", "")))
    end
  end
end

-- The manuscript website's page for a notebook: notebooks/05_x.ipynb -> notebooks/05_x-preview.html
local function preview_page(notebook)
  return pages_prefix .. (notebook:gsub("%.ipynb$", "-preview.html"))
end

local function source_inlines(notebook, label, title)
  local name = notebook:match("([^/]+)$")
  local inlines
  if quarto.doc.is_format("html") then
    title = title or name
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
  return inlines
end

local function source_line(div)
  local notebook = div.attributes["notebook"]
  local label = notebook_label(div)
  if not notebook or not label then
    return nil
  end
  local inlines = source_inlines(project_relative(notebook), label, div.attributes["notebook-title"])
  return pandoc.Div(pandoc.Para(inlines), { class = "source-notebook" })
end

-- The height, in inches, that a figure may take on a page: the text block (A4 less 2.4 cm margins,
-- 25 cm) less room for its caption and source line.
local MAX_FIGURE_HEIGHT_IN = 8.6
-- The text block's width in inches (A4 less 2.2 cm margins): no figure is drawn wider than this.
local MAX_FIGURE_WIDTH_IN = 6.5

-- label -> the embed div's notebook attributes, filled by the first pass
local embeds = {}

-- The notebook's stored outputs, read once per notebook: label -> { png = base64 data, ... }
local notebook_outputs = {}

local function read_notebook(notebook)
  if notebook_outputs[notebook] then
    return notebook_outputs[notebook]
  end
  local outputs = {}
  local f = io.open(notebook, "r")
  if f then
    local ok, nb = pcall(pandoc.json.decode, f:read("a"), false)
    f:close()
    if ok and type(nb) == "table" and nb.cells then
      for _, cell in ipairs(nb.cells) do
        local source = type(cell.source) == "table" and table.concat(cell.source) or (cell.source or "")
        local label = source:match("#|%s*label:%s*([%w%-_]+)")
        if label then
          local found = {}
          for _, output in ipairs(cell.outputs or {}) do
            local data = output.data or {}
            local png = data["image/png"]
            if png then
              found.png = type(png) == "table" and table.concat(png) or png
            end
          end
          outputs[label] = found
        end
      end
    end
  end
  notebook_outputs[notebook] = outputs
  return outputs
end

-- Scale an image down (never up) so that it fits the text block with room for its caption.
local function fit(image, width_in, height_in)
  if not width_in or not height_in or width_in <= 0 or height_in <= 0 then
    return image
  end
  local scale = math.min(1, MAX_FIGURE_WIDTH_IN / width_in, MAX_FIGURE_HEIGHT_IN / height_in)
  if scale < 1 then
    image.attributes["width"] = string.format("%.2fin", width_in * scale)
    image.attributes["height"] = string.format("%.2fin", height_in * scale)
  end
  return image
end

local function natural_size(contents)
  local ok, size = pcall(pandoc.image.size, contents)
  if not ok or not size then
    return nil, nil
  end
  local dpi_x = (size.dpi_horz and size.dpi_horz > 0) and size.dpi_horz or 96
  local dpi_y = (size.dpi_vert and size.dpi_vert > 0) and size.dpi_vert or 96
  return size.width / dpi_x, size.height / dpi_y
end

-- A figure's image as print takes it: in DOCX the notebook's 300-dpi PNG in place of the SVG;
-- in DOCX and PDF scaled to fit the page.
local function print_image(image, label)
  if quarto.doc.is_format("docx") and image.src:match("%.svg$") and label and embeds[label] then
    local stored = read_notebook(embeds[label].notebook)[label]
    if stored and stored.png then
      local mime, contents = pandoc.mediabag.fetch("data:image/png;base64," .. stored.png:gsub("%s", ""))
      local name = label .. ".png"
      pandoc.mediabag.insert(name, mime or "image/png", contents)
      image.src = name
    end
  end
  local ok, _, contents = pcall(pandoc.mediabag.fetch, image.src)
  if ok and contents then
    local w, h = natural_size(contents)
    image = fit(image, w, h)
  end
  return image
end

-- An apostrophe inside a word as U+2019. Pandoc's Typst writer turns U+2019 back into "'", which Typst
-- sets as an opening quote after a full stop ("al.'s"); in Typst the character is written raw.
local function apostrophes(str)
  local text = str.text:gsub("([%w%.])'(%a)", "%1\u{2019}%2")
  if not quarto.doc.is_format("typst") or not text:find("\u{2019}", 1, true) then
    return text ~= str.text and pandoc.Str(text) or nil
  end
  local out = pandoc.Inlines({})
  local start = 1
  while true do
    local i, j = text:find("\u{2019}", start, true)
    if not i then
      break
    end
    if i > start then
      out:insert(pandoc.Str(text:sub(start, i - 1)))
    end
    out:insert(pandoc.RawInline("typst", "\u{2019}"))
    start = j + 1
  end
  if start <= #text then
    out:insert(pandoc.Str(text:sub(start)))
  end
  return out
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
  local fonts = {}
  for _, face in ipairs({ "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique" }) do
    fonts[#fonts + 1] = { name = "fonts/" .. face .. ".ttf", path = "fonts/" .. face .. ".ttf" }
  end
  quarto.doc.add_html_dependency({ name = "manuscript", version = "1", stylesheets = { "manuscript.css" },
                                   resources = fonts })
  quarto.doc.include_file("after-body", "long-tables.html")
end

-- In the PDF the source line is part of the float: after a table (and its note), under a figure's caption.
local function source_inside(float)
  local entry = embeds[float.identifier]
  if not entry or not quarto.doc.is_format("typst") then
    return float
  end
  local line = pandoc.Inlines(source_inlines(entry.notebook, float.identifier, entry.title))
  entry.inside = true
  if float.identifier:match("^fig%-") and float.caption_long then
    local caption = float.caption_long
    local kind = pandoc.utils.type(caption)
    local addition = pandoc.Inlines({ pandoc.LineBreak(), pandoc.Span(line, { class = "source-notebook" }) })
    if kind == "Inlines" then
      caption:extend(addition)
    elseif caption.content then
      caption.content:extend(addition)
    end
    float.caption_long = caption
  else
    local content = float.content
    local para = pandoc.Div(pandoc.Para(line), { class = "source-notebook" })
    if pandoc.utils.type(content) == "Blocks" then
      content:insert(para)
    else
      content = pandoc.Blocks({ content, para })
    end
    float.content = content
  end
  return float
end

local function keywords_paragraph(doc)
  if not (quarto.doc.is_format("docx") or quarto.doc.is_format("typst")) then
    return nil
  end
  local keywords = doc.meta["keywords"]
  if not keywords or #keywords == 0 then
    return nil
  end
  local words = pandoc.Inlines({ pandoc.Emph({ pandoc.Str("Keywords:") }), pandoc.Space() })
  for i, keyword in ipairs(keywords) do
    if i > 1 then
      words:extend({ pandoc.Str(","), pandoc.Space() })
    end
    words:extend(pandoc.utils.type(keyword) == "Inlines" and keyword or pandoc.Inlines({ pandoc.Str(pandoc.utils.stringify(keyword)) }))
  end
  doc.blocks:insert(1, pandoc.Div(pandoc.Para(words), { class = "keywords" }))
  return doc
end

return {
  {
    Meta = function(meta)
      add_html_assets()
      set_pages_prefix(meta)
      return meta
    end,
  },
  {
    -- first pass: which notebook each embedded table or figure comes from
    Div = function(div)
      if div.classes:includes("quarto-embed-nb-cell") then
        local label = notebook_label(div)
        if label and div.attributes["notebook"] then
          embeds[label] = { notebook = project_relative(div.attributes["notebook"]),
                            title = div.attributes["notebook-title"] }
        end
      end
    end,
  },
  {
    FloatRefTarget = function(float)
      if quarto.doc.is_format("typst") or quarto.doc.is_format("docx") then
        local label = float.identifier
        local walker = { Image = function(image) return print_image(image, label) end }
        if pandoc.utils.type(float.content) == "Blocks" then
          float.content = float.content:walk(walker)
        elseif float.content and float.content.walk then
          float.content = float.content:walk(walker)
        end
      end
      if float.caption_long then
        float.caption_long = float.caption_long:walk({ Str = apostrophes })
      end
      return source_inside(float)
    end,
  },
  {
    Div = function(div)
      if div.classes:includes("full-table") and quarto.doc.is_format("html") and not div.classes:includes("column-page") then
        -- a long table shown whole takes the page's width in HTML (Quarto's column-page), not the text's
        div.classes:insert("column-page")
        return div
      end
      if not div.classes:includes("quarto-embed-nb-cell") then
        return nil
      end
      local entry = embeds[notebook_label(div) or ""]
      if entry and entry.inside then
        -- Typst writes a div as a block, and a figure inside a block floats within that block only:
        -- the embedded cell's content goes into the page's own flow instead
        return div.content
      end
      local line = source_line(div)
      if pages_prefix ~= "" then
        -- no notebook view in this document, so Quarto would leave these in the HTML (with the path of
        -- the folder it rendered in); the source line is the link to the notebook
        div.attributes["notebook"] = nil
        div.attributes["notebook-title"] = nil
        div.attributes["notebook-cellId"] = nil
      end
      if line then
        div.content:insert(line)
      end
      return div
    end,
    Str = apostrophes,
    Pandoc = keywords_paragraph,
  },
}
