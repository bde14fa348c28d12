/**
 * Redraws a frame in place on a terminal with two ANSI (ECMA-48) sequences: CPL (`ESC [ n F`,
 * cursor to the start of the line n lines up) back to the frame's first line, then ED
 * (`ESC [ J`, erase to the end of the screen) before writing the new frame. Frames are cut to the
 * terminal's width by their builder, so no line wraps and n is the number of lines written. The
 * cursor stays visible: an interrupted demo leaves the terminal as it found it.
 */
const ESC = "\u001b[";

export class LiveScreen {
  private drawnLines = 0;
  private last = "";
  private readonly write: (text: string) => void;

  constructor(write: (text: string) => void) {
    this.write = write;
  }

  /** Draws `lines` over the previous frame; an unchanged frame writes nothing. */
  draw(lines: readonly string[]): void {
    const text = `${lines.join("\n")}\n`;
    if (text === this.last) return;
    const back = this.drawnLines > 0 ? `${ESC}${this.drawnLines}F` : "";
    this.write(`${back}${ESC}J${text}`);
    this.drawnLines = lines.length;
    this.last = text;
  }
}
