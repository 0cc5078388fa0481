// Enter sends (the server handles the keydown); keep the browser from also inserting a new line. Shift+Enter adds one.
export function register(textarea) {
    const onKeyDown = e => {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
        }
    };
    textarea.addEventListener('keydown', onKeyDown);
    return { dispose: () => textarea.removeEventListener('keydown', onKeyDown) };
}

export function unregister(handle) {
    handle?.dispose();
}

export function scrollToEnd(element) {
    if (element) {
        element.scrollTop = element.scrollHeight;
    }
}
