// The palette: drag an item onto the canvas, or press it (mouse or keyboard) to add the node in
// the middle of the view.
import { t } from "./i18n";
import { DRAG_MIME, type PaletteItem } from "./palette";

interface PaletteProps {
  items: PaletteItem[];
  onAdd: (item: PaletteItem) => void;
}

export function Palette({ items, onAdd }: PaletteProps) {
  return (
    <nav className="tf-palette" aria-label={t("Steps")}>
      <h2>{t("Steps")}</h2>
      <ul>
        {items.map((item) => (
          <li key={item.key}>
            <button
              type="button"
              className={`tf-palette__item tf-palette__item--${item.type}`}
              draggable
              data-palette-key={item.key}
              title={t(item.description)}
              onDragStart={(event) => {
                event.dataTransfer.setData(DRAG_MIME, item.key);
                event.dataTransfer.effectAllowed = "move";
              }}
              onClick={() => onAdd(item)}
            >
              {t(item.title)}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
