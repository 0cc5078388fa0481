// Editor keyboard shortcuts: Ctrl+S saves (instead of the browser's "save page"), Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y) undo and
// redo graph edits. Undo inside a text field stays the field's own.
export function register(dotnet) {
    const handler = (e) => {
        if (!(e.ctrlKey || e.metaKey) || e.altKey) {
            return;
        }
        const key = e.key.toLowerCase();
        const target = e.target;
        const editing = target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
        let command = null;
        if (key === 's') {
            command = 'save';
        } else if (!editing && key === 'z') {
            command = e.shiftKey ? 'redo' : 'undo';
        } else if (!editing && key === 'y') {
            command = 'redo';
        }
        if (command) {
            e.preventDefault();
            dotnet.invokeMethodAsync('OnShortcut', command);
        }
    };
    document.addEventListener('keydown', handler);
    return { dispose: () => document.removeEventListener('keydown', handler) };
}

export function unregister(registration) {
    registration?.dispose();
}
