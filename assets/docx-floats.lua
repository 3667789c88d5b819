--[[
Tables and figures of the DOCX as a word processor expects them (listed under `filters:` in _quarto.yml,
`at: post-render`, after Quarto has turned each table and figure into its DOCX layout).

Quarto lays out every captioned table or figure of a DOCX as a one-cell table, centred, holding the
caption and the item. Three things go wrong in a word processor:

- the centred cell gives every paragraph in it a `<w:jc w:val="center"/>`, and pandoc writes a second
  `<w:jc>` for the alignment of each data cell ("left" or "right"), which the OOXML schema forbids;
  LibreOffice takes the second, so study lists, notes and indented subthemes come out centred;
- the caption paragraph carries a second `<w:pPr>` of Quarto's own (a raw block), again against the
  schema;
- a picture inside a table cannot break across pages, and a cell taller than the page is cut: a tall
  figure loses its last rows and its caption.

This filter takes each such item out of its one-cell table: the caption becomes a paragraph of the
style "Table Caption" (kept with the table that follows) or "Image Caption" (under its figure), a
figure's picture a paragraph of the style "Captioned Figure" (centred and kept with its caption), and
the bookmark that cross-references link to stays on the item. Table text keeps the alignment of its
columns (text left, numbers right); notes are body text.
]]

if not quarto.doc.is_format("docx") then
  return {}
end

-- The caption paragraph Quarto writes: its first inline is a raw <w:pPr> naming the style ImageCaption.
local function quarto_caption(block)
  if block.t ~= "Para" and block.t ~= "Plain" then
    return false
  end
  local first = block.content[1]
  return first ~= nil and first.t == "RawInline" and first.format == "openxml"
    and first.text:find("<w:pPr>", 1, true) ~= nil and first.text:find("ImageCaption", 1, true) ~= nil
end

local function only_images(block)
  if block.t ~= "Para" and block.t ~= "Plain" then
    return false
  end
  local images = 0
  for _, inline in ipairs(block.content) do
    if inline.t == "Image" then
      images = images + 1
    elseif inline.t ~= "Space" and inline.t ~= "SoftBreak" and inline.t ~= "LineBreak" then
      return false
    end
  end
  return images > 0
end

local function styled(style, blocks)
  return pandoc.Div(blocks, { ["custom-style"] = style })
end

-- Restyle the blocks of the cell: caption without Quarto's raw paragraph properties, pictures centred.
local function restyle(blocks, is_table)
  local out = pandoc.Blocks({})
  for _, block in ipairs(blocks) do
    if quarto_caption(block) then
      local inlines = pandoc.Inlines({})
      for i = 2, #block.content do
        inlines:insert(block.content[i])
      end
      while #inlines > 0 and (inlines[1].t == "Space" or inlines[1].t == "SoftBreak") do
        inlines:remove(1)
      end
      out:insert(styled(is_table and "Table Caption" or "Image Caption", { pandoc.Para(inlines) }))
    elseif only_images(block) then
      out:insert(styled("Captioned Figure", { pandoc.Para(block.content) }))
    elseif block.t == "Div" then
      block.content = restyle(block.content, is_table)
      out:insert(block)
    else
      out:insert(block)
    end
  end
  return out
end

local function has_caption(blocks)
  local found = false
  pandoc.Blocks(blocks):walk({
    Para = function(p) if quarto_caption(p) then found = true end end,
    Plain = function(p) if quarto_caption(p) then found = true end end,
  })
  return found
end

local function contains_table(blocks)
  local found = false
  pandoc.Blocks(blocks):walk({ Table = function() found = true end })
  return found
end

-- Quarto's layout table of one item: no header, one body with one row of one cell, holding a caption.
local function layout_cell(tbl)
  if #tbl.head.rows > 0 or #tbl.bodies ~= 1 or #tbl.foot.rows > 0 then
    return nil
  end
  local body = tbl.bodies[1]
  if #body.head > 0 or #body.body ~= 1 or #body.body[1].cells ~= 1 then
    return nil
  end
  local cell = body.body[1].cells[1]
  if not has_caption(cell.contents) then
    return nil
  end
  return cell.contents
end

return {
  {
    Table = function(tbl)
      local blocks = layout_cell(tbl)
      if not blocks then
        return nil
      end
      return restyle(blocks, contains_table(blocks))
    end,
  },
}
