--[[
Supplement numbers without a space: "Table S1", not "Table S 1" (listed under `filters:` in _quarto.yml,
`at: post-render`, after Quarto has written the numbers of captions and references).

The supplement titles its tables "Table S" and its figures "Figure S" (crossref options in its front
matter); Quarto puts a non-breaking space between a title and the number. In a document whose
table or figure title ends in " S", this filter joins the "S" to the number that follows it. The PDF
needs no help: Typst numbers the supplement's figures "S1", "S2", ... itself.
]]

local active = false

local function ends_in_s(meta, key)
  local crossref = meta["crossref"]
  local title = crossref and crossref[key] and pandoc.utils.stringify(crossref[key]) or ""
  return title:match(" S$") ~= nil
end

local function join(inlines)
  local out = pandoc.Inlines({})
  local i = 1
  while i <= #inlines do
    local a, b, c = inlines[i], inlines[i + 1], inlines[i + 2]
    if a.t == "Str" and a.text:match("S$") and b and b.t == "Str" and b.text == "\u{a0}"
        and c and c.t == "Str" and c.text:match("^%d") then
      out:insert(pandoc.Str(a.text .. c.text))
      i = i + 3
    elseif a.t == "Str" and a.text:match("S\u{a0}%d") then
      out:insert(pandoc.Str((a.text:gsub("S\u{a0}(%d)", "S%1"))))
      i = i + 1
    else
      out:insert(a)
      i = i + 1
    end
  end
  return out
end

return {
  { Meta = function(meta) active = ends_in_s(meta, "tbl-title") or ends_in_s(meta, "fig-title") end },
  { Inlines = function(inlines) if active then return join(inlines) end end },
}
