// The DOM player's code and styles (rrweb-player, a chunk of its own), fetched
// the first time a recording is shown: by the replay's stage or a heatmap.
declare const PLAYER_JS: string;
declare const PLAYER_CSS: string;

type PlayerModule = typeof import('./player');
let playerModule: Promise<PlayerModule> | null = null;

export function loadPlayer(): Promise<PlayerModule> {
  playerModule ??= (async () => {
    const link = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: PLAYER_CSS });
    const styled = new Promise((resolve) => link.addEventListener('load', resolve, { once: true }));
    document.head.append(link);
    const [mod] = await Promise.all([import(PLAYER_JS) as Promise<PlayerModule>, styled]);
    return mod;
  })();
  playerModule.catch(() => (playerModule = null));
  return playerModule;
}
