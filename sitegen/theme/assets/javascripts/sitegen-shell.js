// sitegen-template: assets/javascripts/sitegen-shell.js v2 (raise the version whenever this file changes)
/*
 * sitegen: the helpers Material's templates inline in the <head> of every page (where the
 * site's root is, and the reader's settings kept in localStorage under it), as Material writes
 * them, from this cached file instead. The scope is mkdocs.yml's `extra.scope` where set (the
 * script tag's data-scope, read from the page's address as Material does), else the site's
 * root: two folders above this script's.
 */
__md_scope=(e=>e.dataset.scope?new URL(e.dataset.scope,location):new URL("../..",e.src))(document.currentScript),__md_hash=e=>[...e].reduce(((e,_)=>(e<<5)-e+_.charCodeAt(0)),0),__md_get=(e,_=localStorage,t=__md_scope)=>JSON.parse(_.getItem(t.pathname+"."+e)),__md_set=(e,_,t=localStorage,a=__md_scope)=>{try{t.setItem(a.pathname+"."+e,JSON.stringify(_))}catch(e){}};
