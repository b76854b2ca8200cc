import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgress, rateText } from '../../src/cli/progress.js';

/** A terminal that keeps what is written to it. */
function fakeTerminal(): { stream: NodeJS.WriteStream; text: () => string } {
  const written: string[] = [];
  const stream = {
    isTTY: true, columns: 200,
    write: (chunk: string) => written.push(String(chunk)) > 0,
    cursorTo: () => true, clearLine: () => true, moveCursor: () => true, clearScreenDown: () => true,
    on: () => stream, removeListener: () => stream,
  };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => written.join('') };
}

describe('progress bar', () => {
  it('says the genes done of the total, the rate and the time left', async () => {
    const terminal = fakeTerminal();
    const progress = createProgress(true, terminal.stream);
    progress.start('fitting', 1000, 'genes');
    await new Promise((resolve) => setTimeout(resolve, 250));
    progress.update(500, 2000); // the total made better as more of the file is read
    await new Promise((resolve) => setTimeout(resolve, 250));
    progress.update(600);
    const shown = terminal.text();
    progress.stop();
    assert.match(shown, /fitting .*\| 600\/2000 genes \| \d+(\.\d+)? genes\/s \| \S+ left/);
  });

  it('writes nothing when quiet or not on a terminal', () => {
    const terminal = fakeTerminal();
    createProgress(false, terminal.stream).start('fitting', 10, 'genes');
    const pipe = fakeTerminal();
    (pipe.stream as { isTTY: boolean }).isTTY = false;
    createProgress(true, pipe.stream).start('fitting', 10, 'genes');
    assert.equal(terminal.text() + pipe.text(), '');
  });

  it('rateText: three significant digits, whole numbers from 100', () => {
    assert.equal(rateText(1000, 2), '500');
    assert.equal(rateText(5, 2), '2.50');
    assert.equal(rateText(12345, 0.5), '24690');
    assert.equal(rateText(1, 0), '–');
  });
});
