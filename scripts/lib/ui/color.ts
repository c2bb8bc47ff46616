// Colour only on a terminal, and never when NO_COLOR is set (no-color.org). `paint` obeys the
// caller's decision, so a renderer can be tested with colour on and off.
import { styleText } from 'node:util';

export type Style = Parameters<typeof styleText>[0];

export const useColor = (stream: NodeJS.WriteStream = process.stdout) =>
  Boolean(stream.isTTY) && !process.env.NO_COLOR;

export const paint = (style: Style, text: string, color: boolean) =>
  color ? styleText(style, text, { validateStream: false }) : text;
