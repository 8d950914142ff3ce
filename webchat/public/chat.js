// Web Chat, talking Direct Line to the local offline-directline served from this origin.
(function () {
  'use strict';

  function userId() {
    const key = 'pricewatch.userId';
    let id = window.localStorage.getItem(key);
    if (!id) {
      id = 'user-' + Math.random().toString(36).slice(2, 10);
      window.localStorage.setItem(key, id);
    }
    return id;
  }

  const me = { id: userId(), name: 'You', role: 'user' };
  const directLine = window.WebChat.createDirectLine({
    domain: window.location.origin + '/directline',
    token: 'local', // offline-directline checks no token, but Direct Line clients need one
    webSocket: false, // offline-directline has no streaming endpoint; poll instead
  });

  // Azure's Direct Line tells the bot that the user joined; offline-directline's own
  // conversationUpdate names nobody. Say it here so the bot greets before you type.
  const store = window.WebChat.createStore({}, () => (next) => (action) => {
    if (action.type === 'DIRECT_LINE/CONNECT_FULFILLED') {
      directLine
        .postActivity({ type: 'conversationUpdate', from: me, membersAdded: [me] })
        .subscribe({ error: (error) => console.error('could not join the conversation', error) });
    }
    return next(action);
  });

  window.WebChat.renderWebChat(
    {
      directLine,
      store,
      userID: me.id,
      username: me.name,
      locale: 'en-US',
      styleOptions: {
        bubbleMaxWidth: 640,
        hideUploadButton: true, // offline-directline has no upload endpoint
        suggestedActionLayout: 'flow',
        botAvatarInitials: 'PW',
        userAvatarInitials: 'You',
      },
    },
    document.getElementById('webchat')
  );
})();
