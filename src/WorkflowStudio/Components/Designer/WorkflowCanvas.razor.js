// Loads Z.Blazor.Diagrams' script and styles once, so the canvas works whatever the host page links.
export function ensureDiagramAssets(scriptSrc, styleHrefs) {
    for (const href of styleHrefs) {
        if (!document.querySelector(`link[data-wf-diagram-style="${href}"]`)) {
            const link = document.createElement('link');
            link.rel = 'stylesheet';
            link.href = href;
            link.dataset.wfDiagramStyle = href;
            document.head.appendChild(link);
        }
    }
    if (window.ZBlazorDiagrams) {
        return Promise.resolve(true);
    }
    return new Promise((resolve, reject) => {
        let script = document.querySelector('script[data-wf-diagram-script]');
        if (!script) {
            script = document.createElement('script');
            script.src = scriptSrc;
            script.dataset.wfDiagramScript = '1';
            document.head.appendChild(script);
        }
        script.addEventListener('load', () => resolve(true));
        script.addEventListener('error', () => reject(new Error('Could not load ' + scriptSrc)));
    });
}

// The canvas host's size, to fit the graph before the diagram first renders.
export function size(element) {
    const rect = element.getBoundingClientRect();
    return [rect.width, rect.height];
}
