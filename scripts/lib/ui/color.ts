// Colour only on a terminal, and never when NO_COLOR is set (no-color.org).
export const useColor = (stream: NodeJS.WriteStream = process.stdout) => Boolean(stream.isTTY) && !process.env.NO_COLOR;
