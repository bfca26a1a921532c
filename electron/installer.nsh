; Included by electron-builder's NSIS script (electron-builder.yml, nsis.include).
; Uninstalling keeps the agent's local data (unsent edits, offline copy, stored session) unless
; the agent answers Yes; the question defaults to No and is never asked during an update.
!macro customUnInstall
  ${ifNot} ${isUpdated}
    MessageBox MB_YESNO|MB_ICONQUESTION|MB_DEFBUTTON2 "Supprimer aussi les données locales d'Usine à sites (modifications non envoyées, copie hors ligne, session) ?$\r$\n$\r$\nRépondez Non pour les conserver (recommandé)." /SD IDNO IDNO keepLocalData
      SetShellVarContext current
      RMDir /r "$APPDATA\${APP_FILENAME}"
      RMDir /r "$APPDATA\${PRODUCT_NAME}"
    keepLocalData:
  ${endIf}
!macroend
