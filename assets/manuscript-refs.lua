--[[
References between the documents of the manuscript (listed under `filters:` in _quarto.yml).

The article, the supplement and the notebook pages cite any table or figure of the manuscript the
way Quarto cites one in the same document: `@tbl-label`. Quarto resolves references within one
document only, so this filter, which runs before Quarto's own (`at: pre-quarto`), resolves the
others: it numbers the tables and figures each document embeds as that document shows them
("Table 1", "Figure S2": in embedding order, per kind, after the document's prefix) and turns a
reference to a table or figure of another document into
that number - in HTML a link to it on the other document's page, elsewhere plain text. References
to the current document's own tables and figures are left to Quarto, and so is a label that no
document has (Quarto reports it).

The documents and their pages are project metadata (_quarto.yml):

    manuscript-documents:
      - {source: index.qmd, page: index.html}
      - {source: supplement.qmd, page: supplement/index.html, profile: supplement, prefix: S}

The filter is listed twice: before Quarto's filters for the references, and after them (`at:
post-quarto`, when Quarto has numbered every table and figure) for the numbers on a notebook's page.
A notebook's page would otherwise number its own tables 1, 2, ... in the notebook's order, so that
the article's Table 1 shows as "Table 2" on the page it links to. There, a table or figure that the
article or the supplement embeds carries that document's number ("Table 1", "Table S11"), and one
that neither embeds a number that cannot be taken for theirs: "N", the notebook's number, and its
place among the page's own ("Table N5.2").

`page` is where the document's HTML lands in the article's output folder; a document with a
`profile` is rendered with that profile into the folder of its page. The pandoc preview numbers
references the same way in Python (mmrs.manuscript.shortcodes); a test checks both.
]]

local documents = {}  -- { source, page, profile, numbers = {label -> "Table S1"} }
local current = nil   -- the page being rendered, relative to the article's output folder
local on_notebook_page = false  -- whether that page is a notebook's
local own = { tbl = 0, fig = 0 }  -- tables and figures of a notebook's page that no document embeds

local function read_file(path)
  local f = io.open(path, "r")
  if not f then
    return nil
  end
  local text = f:read("a")
  f:close()
  return text
end

-- Tables and figures in the order the document embeds them, numbered per kind after its prefix:
-- "Table 1", or "Table S1" for a document with prefix S.
local function numbering(text, prefix)
  local found, count = {}, { tbl = 0, fig = 0 }
  for label in text:gmatch("{{<%s*embed%s+[^#%s]+#([%w%-_]+)%s*>}}") do
    local kind = label:match("^(%a+)%-")
    if count[kind] ~= nil and found[label] == nil then
      count[kind] = count[kind] + 1
      found[label] = (kind == "tbl" and "Table " or "Figure ") .. prefix .. tostring(count[kind])
    end
  end
  return found
end

-- The relative link from the folder of page `from` to page `to` (both relative to one folder).
local function relative(from, to)
  local up = select(2, from:gsub("/", ""))
  return string.rep("../", up) .. to
end

local function active_profile()
  local profiles = quarto.project.profile or {}
  return profiles[1]
end

local function setup(meta)
  local spec = meta["manuscript-documents"]
  if spec == nil then
    return
  end
  local dir = quarto.project.directory or "."
  local input = quarto.doc.input_file or ""
  if dir ~= "." and input:sub(1, #dir + 1) == dir .. "/" then
    input = input:sub(#dir + 2)
  end
  local profile = active_profile()
  local prefix = ""
  -- Quarto rewrites paths in project metadata relative to the document being rendered
  -- ("index.qmd" reads "../index.qmd" on a notebook's page); undo that with the project offset.
  local offset = quarto.project.offset or "."
  local function from_project(path)
    if offset ~= "." and path:sub(1, #offset + 1) == offset .. "/" then
      return path:sub(#offset + 2)
    end
    return path
  end
  for _, item in ipairs(spec) do
    local doc = {
      source = from_project(pandoc.utils.stringify(item["source"])),
      page = pandoc.utils.stringify(item["page"]),
      profile = item["profile"] and pandoc.utils.stringify(item["profile"]) or nil,
      prefix = item["prefix"] and pandoc.utils.stringify(item["prefix"]) or "",
    }
    local text = read_file(dir .. "/" .. doc.source)
    if not text then
      error("manuscript-refs.lua: cannot read " .. doc.source)
    end
    doc.numbers = numbering(text, doc.prefix)
    documents[#documents + 1] = doc
    if doc.profile ~= nil and doc.profile == profile then
      prefix = doc.page:match("^(.*/)") or ""
    end
    if input == doc.source then
      current = doc.page
    end
  end
  if current == nil then
    -- a notebook's page: notebooks/05_x.ipynb -> notebooks/05_x-preview.html, in the active site
    current = prefix .. input:gsub("%.ipynb$", "-preview.html")
    on_notebook_page = input:match("%.ipynb$") ~= nil
  end
end


-- On a notebook's page (after Quarto's numbering): the manuscript's number for each table and figure.
local function renumber(float)
  if not on_notebook_page or float.order == nil or float.identifier == nil then
    return nil
  end
  local kind = float.identifier:match("^(%a+)%-")
  for _, doc in ipairs(documents) do
    local text = doc.numbers[float.identifier]
    if text ~= nil then
      float.order.order = text:match("^%a+ (.+)$")
      return float
    end
  end
  if own[kind] ~= nil then
    own[kind] = own[kind] + 1
    local notebook = (quarto.doc.input_file or ""):match("([^/]+)%.ipynb$") or ""
    local number = tonumber(notebook:match("^(%d+)")) or 0
    float.order.order = "N" .. tostring(number) .. "." .. tostring(own[kind])
    return float
  end
  return nil
end

local function reference(cite)
  if current == nil or #cite.citations ~= 1 then
    return nil
  end
  local label = cite.citations[1].id
  for _, doc in ipairs(documents) do
    local text = doc.numbers[label]
    if text ~= nil then
      if doc.page == current then
        return nil -- the current document's own: Quarto numbers and links it
      end
      local shown = pandoc.Inlines({ pandoc.Str((text:gsub(" ", "\u{a0}"))) })
      if quarto.doc.is_format("html") then
        return pandoc.Link(shown, relative(current, doc.page) .. "#" .. label, "", { class = "manuscript-xref" })
      end
      return shown
    end
  end
  return nil
end

return {
  { Meta = function(meta) setup(meta) end },
  { Cite = reference, FloatRefTarget = renumber },
}
